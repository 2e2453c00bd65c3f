import Foundation
import GRDB
import SetuCore

extension SQLiteHubStorage {
    /// v5: what tombstone purges need (DESIGN §5, tombstone purge).
    static func createPurge(_ db: Database) throws {
        // `deleted`: the stored state is a tombstone, so a purge finds them
        // without decoding states. `forget`: the vector of a tombstone purged
        // at this key (`VersionVector.storedBytes`). A purge notice is a row
        // with an empty `state` and a `forget`.
        try db.execute(sql: "ALTER TABLE hub_records ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0")
        try db.execute(sql: "ALTER TABLE hub_records ADD COLUMN forget BLOB")
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, state FROM hub_records")
        let mark = try db.makeStatement(sql: "UPDATE hub_records SET deleted = 1 WHERE seq = ?")
        while let row = try rows.next() {
            let blob: Data = row["state"]
            if try StateCodec.decode(blob).isDeleted { try mark.execute(arguments: [row["seq"] as Int64]) }
        }
        try db.execute(sql: "CREATE INDEX hub_records_purgeable ON hub_records (office, seq) WHERE deleted = 1 OR forget IS NOT NULL")
        // Per office: the highest floor a purge used, and the join of the
        // purged tombstones' vectors (a node pushing an old state of a purged
        // record is then not taken for a forger).
        try db.execute(sql: "CREATE TABLE hub_purges (office TEXT PRIMARY KEY NOT NULL, through INTEGER NOT NULL, vector BLOB NOT NULL) STRICT")
        // The last feed position handed out, once a purge has dropped rows:
        // the feed's top rows may be among them, and a position must never
        // be handed out twice (a node past it would never see the new row).
        try db.execute(sql: "CREATE TABLE hub_feed_top (one INTEGER PRIMARY KEY CHECK (one = 1), seq INTEGER NOT NULL) STRICT")
        // The cursor a node's pull came with, counted by purges: only from
        // nodes that apply purge notices (Setu-Purge).
        try db.execute(sql: "ALTER TABLE hub_node_activity ADD COLUMN acked_cursor INTEGER")
        try db.execute(sql: "ALTER TABLE hub_integrations ADD COLUMN acked_cursor INTEGER")
        try db.execute(sql: "ALTER TABLE hub_integrations ADD COLUMN read_ms INTEGER")
        try db.execute(sql: "ALTER TABLE hub_integrations ADD COLUMN read_through INTEGER")
    }

    /// The last feed position handed out (the next write takes the one after).
    static func lastPosition(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT max(coalesce((SELECT max(seq) FROM hub_records), 0), coalesce((SELECT seq FROM hub_feed_top), 0))") ?? 0
    }

    public func purgeCandidates() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT office FROM hub_records INDEXED BY hub_records_purgeable WHERE deleted = 1 OR forget IS NOT NULL")
        }
    }

    public func purge(floors: [String: Int64?]) async throws -> PurgeOutcome {
        try await write { db in
            var outcome = PurgeOutcome()
            let head = try Self.lastPosition(db)
            var seq = head
            for (office, floor) in floors.sorted(by: { $0.key < $1.key }) {
                let floor = floor ?? head
                let rows = try Row.fetchAll(db, sql: """
                    SELECT seq, state, deleted, forget FROM hub_records INDEXED BY hub_records_purgeable
                    WHERE office = ? AND seq <= ? AND (deleted = 1 OR forget IS NOT NULL)
                    """, arguments: [office, floor])
                guard !rows.isEmpty else { continue }
                var forgotten = VersionVector()
                for row in rows {
                    let at: Int64 = row["seq"]
                    let blob: Data = row["state"]
                    let stored: Data? = row["forget"]
                    if blob.isEmpty {
                        try db.execute(sql: "DELETE FROM hub_records WHERE seq = ?", arguments: [at])
                        outcome.noticesDropped += 1
                    } else if row["deleted"] as Bool {
                        let vector = try StateCodec.decode(blob).vector
                        let forget = try stored.map { try VersionVector(storedBytes: $0) }?.merged(with: vector) ?? vector
                        seq += 1
                        try db.execute(sql: "UPDATE hub_records SET seq = ?, state = x'', deleted = 0, origin = NULL, forget = ? WHERE seq = ?",
                                       arguments: [seq, Data(forget.storedBytes), at])
                        forgotten = forgotten.merged(with: vector)
                        outcome.purged += 1
                    } else {
                        try db.execute(sql: "UPDATE hub_records SET forget = NULL WHERE seq = ?", arguments: [at])
                        outcome.forgetsCleared += 1
                    }
                }
                let held = try Data.fetchOne(db, sql: "SELECT vector FROM hub_purges WHERE office = ?", arguments: [office])
                let vector = try held.map { try VersionVector(storedBytes: $0) }?.merged(with: forgotten) ?? forgotten
                try db.execute(sql: """
                    INSERT INTO hub_purges (office, through, vector) VALUES (?, ?, ?)
                    ON CONFLICT (office) DO UPDATE SET through = max(through, excluded.through), vector = excluded.vector
                    """, arguments: [office, floor, Data(vector.storedBytes)])
            }
            try db.execute(sql: "INSERT INTO hub_feed_top (one, seq) VALUES (1, ?) ON CONFLICT (one) DO UPDATE SET seq = max(seq, excluded.seq)", arguments: [seq])
            return outcome
        }
    }

    public func purgedVectors(offices: [String]) async throws -> [String: VersionVector] {
        try await pool.read { db in
            let (sql, arguments) = Self.scoped("SELECT office, vector FROM hub_purges WHERE %SCOPE%", offices: offices, extra: [])
            var vectors: [String: VersionVector] = [:]
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                let blob: Data = row["vector"]
                vectors[row["office"]] = try VersionVector(storedBytes: blob)
            }
            return vectors
        }
    }

    public func noteCatalogueRead(_ name: String, cursor: Int64, atMillis: Int64, through: Int64) async throws {
        try await write(.none) { db in
            try db.execute(sql: "UPDATE hub_integrations SET acked_cursor = ?, read_ms = ?, read_through = ? WHERE name = ?",
                           arguments: [cursor, atMillis, through, name])
        }
    }

    public func catalogueReads() async throws -> [String: CatalogueRead] {
        try await pool.read { db in
            var reads: [String: CatalogueRead] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, acked_cursor, read_ms, read_through FROM hub_integrations WHERE read_ms IS NOT NULL") {
                reads[row["name"]] = CatalogueRead(cursor: row["acked_cursor"], atMillis: row["read_ms"], through: row["read_through"])
            }
            return reads
        }
    }
}
