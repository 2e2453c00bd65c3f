import NIOCore
import PostgresNIO
import SetuCore

extension PostgresHubStorage {
    /// One row per node that has a key or has sent a bundle (`BundleLedger`).
    static func createV4(_ conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("""
            CREATE TABLE hub_bundles (
              node TEXT PRIMARY KEY, public_key BYTEA, imported_seq BIGINT NOT NULL DEFAULT 0, held BIGINT NOT NULL DEFAULT 0,
              through BIGINT NOT NULL DEFAULT 0, rejections TEXT NOT NULL DEFAULT '[]', answer_seq BIGINT NOT NULL DEFAULT 0)
            """, logger: logger)
        try await conn.query("INSERT INTO hub_schema (version) VALUES (4)", logger: logger)
    }

    public func publicKey(of id: NodeID) async throws -> [UInt8]? {
        let rows = try await client.query("SELECT public_key FROM hub_bundles WHERE node = \(id.rawValue)", logger: logger)
        for try await key in rows.decode(ByteBuffer?.self) { return key.map { Array($0.readableBytesView) } }
        return nil
    }

    public func setPublicKey(_ key: [UInt8], of id: NodeID, replace: Bool) async throws -> [UInt8]? {
        let rows = try await client.query("""
            INSERT INTO hub_bundles (node, public_key) VALUES (\(id.rawValue), \(ByteBuffer(bytes: key)))
            ON CONFLICT (node) DO UPDATE SET public_key =
              CASE WHEN \(replace) OR hub_bundles.public_key IS NULL THEN EXCLUDED.public_key ELSE hub_bundles.public_key END
            RETURNING public_key
            """, logger: logger)
        for try await stored in rows.decode(ByteBuffer?.self) { return stored.map { Array($0.readableBytesView) } }
        return nil
    }

    public func bundleLedger(of id: NodeID) async throws -> BundleLedger {
        let rows = try await client.query(
            "SELECT imported_seq, held, through, rejections, answer_seq FROM hub_bundles WHERE node = \(id.rawValue)", logger: logger)
        var ledger = BundleLedger()
        for try await (imported, held, through, rejections, answer) in rows.decode((Int64, Int64, Int64, String, Int64).self) {
            ledger.importedSeq = imported
            ledger.held = held
            ledger.through = through
            ledger.rejections = BundleLedger.decode(rejections)
            ledger.answerSeq = answer
        }
        return ledger
    }

    public func recordImportedBundle(of id: NodeID, seq: Int64, held: Int64, through: Int64, rejections: [Rejection]) async throws -> Bool {
        let rows = try await client.query("""
            INSERT INTO hub_bundles (node, imported_seq, held, through, rejections)
            VALUES (\(id.rawValue), \(seq), \(held), \(through), \(BundleLedger.encode(rejections)))
            ON CONFLICT (node) DO UPDATE SET imported_seq = EXCLUDED.imported_seq, held = EXCLUDED.held, through = EXCLUDED.through,
              rejections = EXCLUDED.rejections WHERE hub_bundles.imported_seq < EXCLUDED.imported_seq
            RETURNING node
            """, logger: logger)
        for try await _ in rows.decode(String.self) { return true }
        return false
    }

    public func nextAnswerSeq(of id: NodeID) async throws -> Int64 {
        let rows = try await client.query("""
            INSERT INTO hub_bundles (node, answer_seq) VALUES (\(id.rawValue), 1)
            ON CONFLICT (node) DO UPDATE SET answer_seq = hub_bundles.answer_seq + 1 RETURNING answer_seq
            """, logger: logger)
        for try await seq in rows.decode(Int64.self) { return seq }
        return 1
    }
}
