import Foundation
import GRDB
import SetuCore

extension SQLiteHubStorage {
    /// One row per node that has a key or has sent a bundle (`BundleLedger`).
    static func createBundles(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE hub_bundles (
              node TEXT PRIMARY KEY NOT NULL, public_key BLOB, imported_seq INTEGER NOT NULL DEFAULT 0,
              held INTEGER NOT NULL DEFAULT 0, through INTEGER NOT NULL DEFAULT 0, rejections TEXT NOT NULL DEFAULT '[]',
              answer_seq INTEGER NOT NULL DEFAULT 0) STRICT
            """)
    }

    public func publicKey(of id: NodeID) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT public_key FROM hub_bundles WHERE node = ?", arguments: [id.rawValue]).map(Array.init)
        }
    }

    public func setPublicKey(_ key: [UInt8], of id: NodeID, replace: Bool) async throws -> [UInt8]? {
        try await write(.none) { db in
            try db.execute(sql: """
                INSERT INTO hub_bundles (node, public_key) VALUES (?, ?)
                ON CONFLICT (node) DO UPDATE SET public_key = CASE WHEN ? OR public_key IS NULL THEN excluded.public_key ELSE public_key END
                """, arguments: [id.rawValue, Data(key), replace])
            return try Data.fetchOne(db, sql: "SELECT public_key FROM hub_bundles WHERE node = ?", arguments: [id.rawValue]).map(Array.init)
        }
    }

    public func bundleLedger(of id: NodeID) async throws -> BundleLedger {
        try await pool.read { db in
            var ledger = BundleLedger()
            guard let row = try Row.fetchOne(db, sql: "SELECT imported_seq, held, through, rejections, answer_seq FROM hub_bundles WHERE node = ?",
                                             arguments: [id.rawValue]) else { return ledger }
            ledger.importedSeq = row["imported_seq"]
            ledger.held = row["held"]
            ledger.through = row["through"]
            ledger.rejections = BundleLedger.decode(row["rejections"])
            ledger.answerSeq = row["answer_seq"]
            return ledger
        }
    }

    public func recordImportedBundle(of id: NodeID, seq: Int64, held: Int64, through: Int64, rejections: [Rejection]) async throws -> Bool {
        try await write(.none) { db in
            try db.execute(sql: """
                INSERT INTO hub_bundles (node, imported_seq, held, through, rejections) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (node) DO UPDATE SET imported_seq = excluded.imported_seq, held = excluded.held, through = excluded.through,
                  rejections = excluded.rejections WHERE hub_bundles.imported_seq < excluded.imported_seq
                """, arguments: [id.rawValue, seq, held, through, BundleLedger.encode(rejections)])
            return db.changesCount > 0
        }
    }

    public func nextAnswerSeq(of id: NodeID) async throws -> Int64 {
        try await write(.none) { db in
            try db.execute(sql: """
                INSERT INTO hub_bundles (node, answer_seq) VALUES (?, 1) ON CONFLICT (node) DO UPDATE SET answer_seq = answer_seq + 1
                """, arguments: [id.rawValue])
            return try Int64.fetchOne(db, sql: "SELECT answer_seq FROM hub_bundles WHERE node = ?", arguments: [id.rawValue]) ?? 1
        }
    }
}
