import Logging
import NIOCore
import PostgresNIO
import SetuCore
import SetuProtocol

extension PostgresHubStorage {
    public func recordActivity(_ batch: [NodeActivity]) async throws {
        guard !batch.isEmpty else { return }
        // In id order, so two hubs writing overlapping batches lock rows in
        // the same order and never deadlock. -1 and '' stand for "none".
        let rows = batch.sorted { $0.node < $1.node }
        try await client.query("""
            INSERT INTO hub_node_activity AS a (node_id, first_seen_ms, last_seen_ms, last_pull_ms, last_push_ms, pull_cursor, report, report_ms,
                                                acked_cursor)
            SELECT i, f, l, NULLIF(p, -1), NULLIF(u, -1), NULLIF(c, -1), NULLIF(r, ''), NULLIF(m, -1), NULLIF(k, -1)
            FROM unnest(\(rows.map(\.node.rawValue))::text[], \(rows.map(\.firstSeenMillis))::bigint[], \(rows.map(\.lastSeenMillis))::bigint[],
                        \(rows.map { $0.lastPullMillis ?? -1 })::bigint[], \(rows.map { $0.lastPushMillis ?? -1 })::bigint[],
                        \(rows.map { $0.pullCursor ?? -1 })::bigint[], \(rows.map { $0.report?.headerValue ?? "" })::text[],
                        \(rows.map { $0.reportMillis ?? -1 })::bigint[], \(rows.map { $0.acknowledgedCursor ?? -1 })::bigint[])
              AS w(i, f, l, p, u, c, r, m, k)
            ON CONFLICT (node_id) DO UPDATE SET
              first_seen_ms = least(a.first_seen_ms, EXCLUDED.first_seen_ms),
              last_seen_ms = greatest(a.last_seen_ms, EXCLUDED.last_seen_ms),
              last_push_ms = greatest(a.last_push_ms, EXCLUDED.last_push_ms),
              pull_cursor = CASE WHEN EXCLUDED.last_pull_ms >= coalesce(a.last_pull_ms, EXCLUDED.last_pull_ms) THEN EXCLUDED.pull_cursor ELSE a.pull_cursor END,
              acked_cursor = CASE WHEN EXCLUDED.last_pull_ms >= coalesce(a.last_pull_ms, EXCLUDED.last_pull_ms) THEN EXCLUDED.acked_cursor ELSE a.acked_cursor END,
              last_pull_ms = greatest(a.last_pull_ms, EXCLUDED.last_pull_ms),
              report = CASE WHEN EXCLUDED.report_ms >= coalesce(a.report_ms, EXCLUDED.report_ms) THEN EXCLUDED.report ELSE a.report END,
              report_ms = greatest(a.report_ms, EXCLUDED.report_ms)
            """, logger: logger)
    }

    public func fleet(lag: Bool) async throws -> [FleetNode] {
        try await fleetRows(id: nil, lag: lag)
    }

    public func fleetNode(_ id: NodeID) async throws -> FleetNode? {
        try await fleetRows(id: id, lag: true).first
    }

    /// One query: nodes, their activity, and (when asked) their lag, an
    /// index range per office as a pull reads them.
    func fleetRows(id: NodeID?, lag: Bool) async throws -> [FleetNode] {
        let rows = try await client.query("""
            SELECT n.id, n.offices, n.created_ms, n.revoked, n.name, a.first_seen_ms, a.last_seen_ms, a.last_pull_ms, a.last_push_ms,
                   a.pull_cursor, a.report, a.report_ms, a.acked_cursor,
                   CASE WHEN \(lag) THEN (
                     SELECT coalesce(sum(c), 0)::bigint FROM (
                       SELECT (SELECT count(*) FROM hub_records h
                               WHERE h.office = o AND h.seq > coalesce(a.pull_cursor, 0) AND h.origin IS DISTINCT FROM n.id) AS c
                       FROM unnest(string_to_array(n.offices, ',')) AS o
                       UNION ALL
                       SELECT count(*) FROM hub_records h
                       WHERE h.office >= 'all:' AND h.office < 'all;' AND h.seq > coalesce(a.pull_cursor, 0) AND h.origin IS DISTINCT FROM n.id
                     ) AS per_office)
                   ELSE 0 END
            FROM hub_nodes n LEFT JOIN hub_node_activity a ON a.node_id = n.id
            WHERE \(id?.rawValue)::text IS NULL OR n.id = \(id?.rawValue)::text
            ORDER BY n.id
            """, logger: logger)
        var out: [FleetNode] = []
        typealias Columns = (String, String, Int64, Bool, String?, Int64?, Int64?, Int64?, Int64?, Int64?, String?, Int64?, Int64?, Int64)
        for try await (id, offices, created, revoked, name, first, last, pulled, pushed, cursor, report, reported, acked, lag) in rows.decode(Columns.self) {
            let node = Self.node(id, offices, created, revoked, name)
            let activity = first.map {
                NodeActivity(node: node.id, firstSeenMillis: $0, lastSeenMillis: last ?? $0, lastPullMillis: pulled, lastPushMillis: pushed,
                             pullCursor: cursor, acknowledgedCursor: acked, report: report.flatMap { try? NodeReport(headerValue: $0) }, reportMillis: reported)
            }
            out.append(FleetNode(node: node, activity: activity, lag: Int(lag)))
        }
        return out
    }

    public func addAdmin(_ admin: HubAdmin, tokenHash: [UInt8]) async throws {
        let rows = try await client.query("""
            INSERT INTO hub_admins (name, token_hash, created_ms) VALUES (\(admin.name), \(ByteBuffer(bytes: tokenHash)), \(admin.createdAtMillis))
            ON CONFLICT (name) DO NOTHING RETURNING name
            """, logger: logger)
        var inserted = false
        for try await _ in rows.decode(String.self) { inserted = true }
        guard inserted else { throw HubStorageError.adminExists(admin.name) }
    }

    public func admins() async throws -> [HubAdmin] {
        let rows = try await client.query("SELECT name, created_ms, revoked FROM hub_admins ORDER BY name", logger: logger)
        var out: [HubAdmin] = []
        for try await (name, created, revoked) in rows.decode((String, Int64, Bool).self) {
            out.append(HubAdmin(name: name, createdAtMillis: created, revoked: revoked))
        }
        return out
    }

    public func revokeAdmin(_ name: String) async throws -> Bool {
        let rows = try await client.query("UPDATE hub_admins SET revoked = TRUE WHERE name = \(name) RETURNING name", logger: logger)
        var found = false
        for try await _ in rows.decode(String.self) { found = true }
        return found
    }

    public func adminCredentials(of name: String) async throws -> (admin: HubAdmin, tokenHash: [UInt8])? {
        let rows = try await client.query("SELECT name, created_ms, revoked, token_hash FROM hub_admins WHERE name = \(name)", logger: logger)
        for try await (name, created, revoked, hash) in rows.decode((String, Int64, Bool, ByteBuffer).self) {
            return (HubAdmin(name: name, createdAtMillis: created, revoked: revoked), Array(hash.readableBytesView))
        }
        return nil
    }
}
