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

/// A page of live records and where the next page starts (nil: no more).
public struct RecordPage: Sendable {
    public let records: [StoredRecord]
    public let next: String?
}

extension Replica {
    /// One record, deleted or not; nil if this replica never saw it.
    public func record(_ collection: String, id: String) throws -> StoredRecord? {
        let spec = try self.collection(collection)
        return try read { db in
            guard let blob = try Data.fetchOne(db, sql: "SELECT state FROM setu_records WHERE collection = ? AND id = ?",
                                               arguments: [CollectionKey.key(spec.name), id]) else { return nil }
            let state = try StoredState.decode(blob, spec.name, id, in: db, schema: schema, numbering: nodeNumbers.reading(db))
            return StoredRecord(collection: spec.name, id: id, state: state, values: state.resolved(in: spec))
        }
    }

    /// The open conflicts of every record, by collection then id.
    public func conflicts() throws -> [FieldConflict] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(CollectionKey.nameSQL("collection")) AS collection, id, state FROM setu_records WHERE conflicts > 0 ORDER BY 1, id
                """)
            return try rows.flatMap { row -> [FieldConflict] in
                guard let spec = schema.named(row["collection"]) else { return [] }
                let blob: Data = row["state"]
                return try StoredState.decode(blob, spec.name, row["id"], in: db, schema: schema, numbering: nodeNumbers.reading(db)).conflicts(collection: spec, id: row["id"])
            }
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
    /// Up to `limit` live records of a collection in id order, after `id`,
    /// and the cursor to go on from: the id of the last record looked at,
    /// deleted or not, or nil once the scan reached the end. Deleted records
    /// are stepped over in batches, so a page is full however many of them
    /// lie in between (a page of 2× the limit once held 20 of 50 asked for,
    /// and the caller took the short page for the end).
    public func list(_ collection: String, after id: String?, limit: Int) throws -> RecordPage {
        let spec = try self.collection(collection)
        return try read { db in
            let batch = max(limit, 256)
            let select = try db.cachedStatement(sql: "SELECT id, state FROM setu_records WHERE collection = ? AND id > ? ORDER BY id LIMIT ?")
            var records: [StoredRecord] = []
            var cursor = id ?? ""
            while true {
                let rows = try Row.fetchAll(select, arguments: [CollectionKey.key(spec.name), cursor, batch])
                for row in rows {
                    cursor = row["id"]
                    let blob: Data = row["state"]
                    let state = try StoredState.decode(blob, spec.name, cursor, in: db, schema: schema, numbering: nodeNumbers.reading(db))
                    if let values = state.resolved(in: spec) {
                        records.append(StoredRecord(collection: spec.name, id: cursor, state: state, values: values))
                        if records.count == limit { return RecordPage(records: records, next: cursor) }
                    }
                }
                if rows.count < batch { return RecordPage(records: records, next: nil) }
            }
        }
    }

    /// The replica file's size in bytes (main file and WAL); a file that is
    /// not there counts 0.
    ///
    /// `stat` itself: every `setuctl status` asks, and Foundation's
    /// `attributesOfItem` also names the file's owner and group, reading
    /// /etc/passwd and /etc/group three times a file.
    public func sizeInBytes() -> Int {
        [path, path + "-wal"].reduce(0) { total, file in
            var info = stat()
            return total + (stat(file, &info) == 0 ? Int(info.st_size) : 0)
        }
    }
}
