import Foundation
import GRDB
import SetuCore

/// A record as read from the replica: its resolved values and its state.
public struct StoredRecord: Hashable, Sendable {
    public let collection: String
    public let id: String
    public let state: RecordState
    /// Nil when the record is deleted.
    public let values: [String: FieldValue]?
}

/// A write set aside, as listed for operators.
public struct StoredRejection: Hashable, Sendable {
    public let collection: String
    public let id: String
    public let source: String
    public let reason: String
    public let atMillis: Int64
}

extension Replica {
    /// One record, deleted or not; nil if this replica never saw it.
    public func record(_ collection: String, id: String) throws -> StoredRecord? {
        let spec = try Replica.collection(collection)
        return try read { db in
            guard let blob = try Data.fetchOne(db, sql: "SELECT state FROM setu_records WHERE collection = ? AND id = ?",
                                               arguments: [spec.name, id]) else { return nil }
            let state = try StateCodec.decode(blob)
            return StoredRecord(collection: spec.name, id: id, state: state, values: state.resolved(in: spec))
        }
    }

    /// The open conflicts of every record, by collection then id.
    public func conflicts() throws -> [FieldConflict] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT collection, id, state FROM setu_records WHERE conflicts > 0 ORDER BY collection, id")
            return try rows.flatMap { row -> [FieldConflict] in
                guard let spec = Collections.named(row["collection"]) else { return [] }
                let blob: Data = row["state"]
                return try StateCodec.decode(blob).conflicts(collection: spec, id: row["id"])
            }
        }
    }

    public func rejections() throws -> [StoredRejection] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT collection, id, source, reason, at_ms FROM setu_rejects ORDER BY n").map {
                StoredRejection(collection: $0["collection"], id: $0["id"], source: $0["source"], reason: $0["reason"], atMillis: $0["at_ms"])
            }
        }
    }

    /// Notes a record a peer refused for good, with its reason, for operators.
    public func setAside(_ collection: String, id: String, source: String, reason: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO setu_rejects (collection, id, source, reason, at_ms) VALUES (?, ?, ?, ?, ?)",
                           arguments: [collection, id, source, reason, Int64(options.now())])
        }
    }

    /// Number of records (deleted included) per collection.
    public func recordCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM setu_records") ?? 0 }
    }

    /// `PRAGMA integrity_check`'s answer: "ok" when the file is sound.
    public func integrityCheck() throws -> String {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }
}

extension Replica {
    /// Live records of a collection in id order, after `id` (a page cursor).
    public func list(_ collection: String, after id: String?, limit: Int) throws -> [StoredRecord] {
        let spec = try Replica.collection(collection)
        return try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, state FROM setu_records WHERE collection = ? AND id > ? ORDER BY id LIMIT ?
                """, arguments: [spec.name, id ?? "", limit * 2])
            var out: [StoredRecord] = []
            for row in rows where out.count < limit {
                let blob: Data = row["state"]
                let state = try StateCodec.decode(blob)
                guard let values = state.resolved(in: spec) else { continue }
                out.append(StoredRecord(collection: spec.name, id: row["id"], state: state, values: values))
            }
            return out
        }
    }

    /// The replica file's size in bytes (main file and WAL).
    public func sizeInBytes() -> Int {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
    }
}
