import Foundation
import GRDB
import SetuCore
import SetuProtocol

extension SQLiteHubStorage {
    public func recordActivity(_ batch: [NodeActivity]) async throws {
        try await write(.none) { db in
            // The merge of NodeActivity.absorb, in SQL: every right-hand side
            // reads the stored row as it was. max(coalesce(a, b), coalesce(b, a))
            // is the later of two times either of which may be missing.
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO hub_node_activity (node_id, first_seen_ms, last_seen_ms, last_pull_ms, last_push_ms, pull_cursor, report, report_ms,
                                               acked_cursor)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (node_id) DO UPDATE SET
                  first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),
                  last_seen_ms = max(last_seen_ms, excluded.last_seen_ms),
                  last_push_ms = max(coalesce(last_push_ms, excluded.last_push_ms), coalesce(excluded.last_push_ms, last_push_ms)),
                  pull_cursor = CASE WHEN excluded.last_pull_ms >= coalesce(last_pull_ms, excluded.last_pull_ms) THEN excluded.pull_cursor ELSE pull_cursor END,
                  acked_cursor = CASE WHEN excluded.last_pull_ms >= coalesce(last_pull_ms, excluded.last_pull_ms) THEN excluded.acked_cursor ELSE acked_cursor END,
                  last_pull_ms = max(coalesce(last_pull_ms, excluded.last_pull_ms), coalesce(excluded.last_pull_ms, last_pull_ms)),
                  report = CASE WHEN excluded.report_ms >= coalesce(report_ms, excluded.report_ms) THEN excluded.report ELSE report END,
                  report_ms = max(coalesce(report_ms, excluded.report_ms), coalesce(excluded.report_ms, report_ms))
                """)
            for a in batch {
                try upsert.execute(arguments: [a.node.rawValue, a.firstSeenMillis, a.lastSeenMillis, a.lastPullMillis, a.lastPushMillis,
                                               a.pullCursor, a.report?.headerValue, a.reportMillis, a.acknowledgedCursor])
            }
        }
    }

    public func fleet(lag: Bool) async throws -> [FleetNode] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "\(Self.fleetSelect) ORDER BY n.id").map { try Self.fleetNode($0, lag: lag, db: db) }
        }
    }

    public func fleetNode(_ id: NodeID) async throws -> FleetNode? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "\(Self.fleetSelect) WHERE n.id = ?", arguments: [id.rawValue]).map { try Self.fleetNode($0, lag: true, db: db) }
        }
    }

    static let fleetSelect = """
        SELECT n.id, n.offices, n.created_ms, n.revoked, n.name, a.first_seen_ms, a.last_seen_ms, a.last_pull_ms, a.last_push_ms,
               a.pull_cursor, a.report, a.report_ms, a.acked_cursor
        FROM hub_nodes n LEFT JOIN hub_node_activity a ON a.node_id = n.id
        """

    static func fleetNode(_ row: Row, lag countLag: Bool, db: Database) throws -> FleetNode {
        let node = Self.node(row)
        var activity: NodeActivity?
        if let first: Int64 = row["first_seen_ms"] {
            let reportText: String? = row["report"]
            activity = NodeActivity(node: node.id, firstSeenMillis: first, lastSeenMillis: row["last_seen_ms"],
                                    lastPullMillis: row["last_pull_ms"], lastPushMillis: row["last_push_ms"], pullCursor: row["pull_cursor"],
                                    acknowledgedCursor: row["acked_cursor"], report: reportText.flatMap { try? NodeReport(headerValue: $0) }, reportMillis: row["report_ms"])
        }
        let lag = countLag ? try Self.lag(of: node, after: activity?.pullCursor ?? 0, db: db) : 0
        return FleetNode(node: node, activity: activity, lag: lag)
    }

    /// Records in the node's scope past `cursor` written by others: an
    /// index range per office, as a pull reads them.
    static func lag(of node: HubNode, after cursor: Int64, db: Database) throws -> Int {
        let (sql, arguments) = scoped(
            "SELECT count(*) AS n FROM hub_records INDEXED BY hub_records_office WHERE %SCOPE% AND seq > ? AND origin IS NOT ?",
            offices: node.offices, extra: [cursor, node.id.rawValue])
        return try Int.fetchOne(db.cachedStatement(sql: "SELECT coalesce(sum(n), 0) FROM (\(sql))"), arguments: arguments) ?? 0
    }

    public func addAdmin(_ admin: HubAdmin, tokenHash: [UInt8]) async throws {
        try await write(.none) { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM hub_admins WHERE name = ?", arguments: [admin.name]) == nil else {
                throw HubStorageError.adminExists(admin.name)
            }
            try db.execute(sql: "INSERT INTO hub_admins (name, token_hash, created_ms) VALUES (?, ?, ?)",
                           arguments: [admin.name, Data(tokenHash), admin.createdAtMillis])
        }
    }

    public func admins() async throws -> [HubAdmin] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, created_ms, revoked FROM hub_admins ORDER BY name").map {
                HubAdmin(name: $0["name"], createdAtMillis: $0["created_ms"], revoked: $0["revoked"])
            }
        }
    }

    public func revokeAdmin(_ name: String) async throws -> Bool {
        try await write(.none) { db in
            try db.execute(sql: "UPDATE hub_admins SET revoked = 1 WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    public func adminCredentials(of name: String) async throws -> (admin: HubAdmin, tokenHash: [UInt8])? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT name, created_ms, revoked, token_hash FROM hub_admins WHERE name = ?",
                                             arguments: [name]) else { return nil }
            let hash: Data = row["token_hash"]
            return (HubAdmin(name: row["name"], createdAtMillis: row["created_ms"], revoked: row["revoked"]), Array(hash))
        }
    }
}

extension HubStorageError {
    static func adminExists(_ name: String) -> HubStorageError {
        HubStorageError("admin \(name) exists already; revoke it (setu-hub admin revoke \(name)) and add one under another name")
    }
}
