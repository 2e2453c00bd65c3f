import Logging
import NIOCore
import PostgresNIO
import SetuCore

extension PostgresHubStorage {
    /// v5: what tombstone purges need, as in the SQLite backend
    /// (`SQLiteHubStorage.createPurge` says what each column holds).
    static func createV5(_ conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("ALTER TABLE hub_records ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT FALSE", logger: logger)
        try await conn.query("ALTER TABLE hub_records ADD COLUMN forget BYTEA", logger: logger)
        let rows = try await conn.query("SELECT seq, state FROM hub_records", logger: logger)
        var deleted: [Int64] = []
        for try await (seq, state) in rows.decode((Int64, ByteBuffer).self) where try StateCodec.decode(state.readableBytesView).isDeleted {
            deleted.append(seq)
        }
        try await conn.query("UPDATE hub_records SET deleted = TRUE WHERE seq = ANY(\(deleted)::bigint[])", logger: logger)
        try await conn.query("CREATE INDEX hub_records_purgeable ON hub_records (office, seq) WHERE deleted OR forget IS NOT NULL", logger: logger)
        try await conn.query("CREATE TABLE hub_purges (office TEXT COLLATE \"C\" PRIMARY KEY, through BIGINT NOT NULL, vector BYTEA NOT NULL)", logger: logger)
        try await conn.query("ALTER TABLE hub_node_activity ADD COLUMN acked_cursor BIGINT", logger: logger)
        try await conn.query("ALTER TABLE hub_integrations ADD COLUMN acked_cursor BIGINT, ADD COLUMN read_ms BIGINT, ADD COLUMN read_through BIGINT",
                             logger: logger)
        try await conn.query("INSERT INTO hub_schema (version) VALUES (5)", logger: logger)
    }

    public func purgeCandidates() async throws -> [String] {
        let rows = try await client.query("SELECT DISTINCT office FROM hub_records WHERE deleted OR forget IS NOT NULL", logger: logger)
        var offices: [String] = []
        for try await office in rows.decode(String.self) { offices.append(office) }
        return offices
    }

    /// Under the feed's advisory lock, as a push: notices take new positions
    /// in commit order, and no push merges with a tombstone being purged.
    public func purge(floors: [String: Int64?]) async throws -> PurgeOutcome {
        let logger = self.logger
        // Notices move, heads may fall, floors rise: this hub's cache goes at once.
        defer { cache.noteCommit(.everything) }
        return try await refusableTransaction { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.feedLock))", logger: logger)
            var head: Int64 = 0
            for try await seq in try await conn.query("SELECT coalesce(max(seq), 0) FROM hub_records", logger: logger).decode(Int64.self) { head = seq }
            var outcome = PurgeOutcome()
            for (office, floor) in floors.sorted(by: { $0.key < $1.key }) {
                let floor = floor ?? head
                let rows = try await conn.query("""
                    SELECT seq, state, deleted, forget FROM hub_records
                    WHERE office = \(office) AND seq <= \(floor) AND (deleted OR forget IS NOT NULL)
                    """, logger: logger)
                var drop: [Int64] = [], clear: [Int64] = [], notices: [(seq: Int64, forget: ByteBuffer)] = []
                var forgotten = VersionVector()
                for try await (seq, state, deleted, stored) in rows.decode((Int64, ByteBuffer, Bool, ByteBuffer?).self) {
                    if state.readableBytes == 0 {
                        drop.append(seq)
                    } else if deleted {
                        let vector = try StateCodec.decode(state.readableBytesView).vector
                        let forget = try stored.map { try VersionVector(storedBytes: $0.readableBytesView) }?.merged(with: vector) ?? vector
                        notices.append((seq, ByteBuffer(bytes: forget.storedBytes)))
                        forgotten = forgotten.merged(with: vector)
                    } else {
                        clear.append(seq)
                    }
                }
                guard !(drop.isEmpty && clear.isEmpty && notices.isEmpty) else { continue }
                try await conn.query("DELETE FROM hub_records WHERE seq = ANY(\(drop)::bigint[])", logger: logger)
                try await conn.query("UPDATE hub_records SET forget = NULL WHERE seq = ANY(\(clear)::bigint[])", logger: logger)
                // Each notice is another record: their order among themselves does not matter.
                try await conn.query("""
                    UPDATE hub_records h SET seq = nextval('hub_feed_seq'), state = ''::bytea, deleted = FALSE, origin = NULL, forget = n.f
                    FROM (SELECT * FROM unnest(\(notices.map(\.seq))::bigint[], \(notices.map(\.forget))::bytea[]) AS n(s, f) ) AS n
                    WHERE h.seq = n.s
                    """, logger: logger)
                outcome.noticesDropped += drop.count
                outcome.forgetsCleared += clear.count
                outcome.purged += notices.count
                var held: VersionVector?
                let stored = try await conn.query("SELECT vector FROM hub_purges WHERE office = \(office)", logger: logger)
                for try await bytes in stored.decode(ByteBuffer.self) { held = try VersionVector(storedBytes: bytes.readableBytesView) }
                let vector = held?.merged(with: forgotten) ?? forgotten
                try await conn.query("""
                    INSERT INTO hub_purges AS p (office, through, vector) VALUES (\(office), \(floor), \(ByteBuffer(bytes: vector.storedBytes)))
                    ON CONFLICT (office) DO UPDATE SET through = greatest(p.through, EXCLUDED.through), vector = EXCLUDED.vector
                    """, logger: logger)
            }
            return outcome
        }
    }

    public func purgedVectors(offices: [String]) async throws -> [String: VersionVector] {
        let rows = try await client.query("""
            SELECT office, vector FROM hub_purges WHERE office = ANY(\(offices)::text[]) OR (office >= 'all:' AND office < 'all;')
            """, logger: logger)
        var vectors: [String: VersionVector] = [:]
        for try await (office, bytes) in rows.decode((String, ByteBuffer).self) { vectors[office] = try VersionVector(storedBytes: bytes.readableBytesView) }
        return vectors
    }

    public func noteCatalogueRead(_ name: String, cursor: Int64, atMillis: Int64, through: Int64) async throws {
        try await client.query("""
            UPDATE hub_integrations SET acked_cursor = \(cursor), read_ms = \(atMillis), read_through = \(through) WHERE name = \(name)
            """, logger: logger)
    }

    public func catalogueReads() async throws -> [String: CatalogueRead] {
        let rows = try await client.query("SELECT name, acked_cursor, read_ms, read_through FROM hub_integrations WHERE read_ms IS NOT NULL", logger: logger)
        var reads: [String: CatalogueRead] = [:]
        for try await (name, cursor, at, through) in rows.decode((String, Int64, Int64, Int64).self) {
            reads[name] = CatalogueRead(cursor: cursor, atMillis: at, through: through)
        }
        return reads
    }
}
