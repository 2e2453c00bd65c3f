import Foundation
import Logging
import NIOCore
import PostgresNIO
import SetuCore

/// Hub storage on PostgreSQL, for several stateless hub processes over one
/// database.
///
/// Feed positions come from a sequence, drawn only while holding a
/// transaction-scoped advisory lock that is released at commit. Pushes thus
/// commit in position order, and a reader can never see position n+1 while
/// n is still uncommitted: a cursor never skips a late commit.
///
/// Idle polls are answered from `cache` while `changeListener` runs and
/// hears every commit (triggers notify them, whichever hub or command made
/// them); without it, every poll reads the database.
public final class PostgresHubStorage: HubStorage {
    public let client: PostgresClient
    let logger: Logger
    /// Feed heads and credentials for idle polls, trusted only while notified.
    let cache = HubReadCache(trusted: false)
    /// The advisory lock key of the feed ("setu" in ASCII).
    static let feedLock: Int64 = 0x7365_7475

    /// Runs after a push has written its rows, before it commits: tests use
    /// it to hold a transaction open and prove the feed never skips it.
    let beforeCommit: (@Sendable ([RecordKey]) async -> Void)?

    public convenience init(client: PostgresClient, logger: Logger) {
        self.init(client: client, logger: logger, beforeCommit: nil)
    }

    init(client: PostgresClient, logger: Logger, beforeCommit: (@Sendable ([RecordKey]) async -> Void)?) {
        self.client = client
        self.logger = logger
        self.beforeCommit = beforeCommit
    }

    /// A client for `postgres://user:password@host:port/database`, or with
    /// `?host=/path/to/socket/dir` for a Unix socket. The caller runs it
    /// (`client.run()`) as a service.
    public static func makeClient(url: String, logger: Logger) throws -> PostgresClient {
        guard let parts = URLComponents(string: url), parts.scheme == "postgres" || parts.scheme == "postgresql" else {
            throw HubStorageError("database url must look like postgres://user:password@host:5432/setu (got a different scheme)")
        }
        let user = parts.user ?? "postgres"
        let database = parts.path.isEmpty ? nil : String(parts.path.dropFirst())
        let socketDir = parts.queryItems?.first { $0.name == "host" }?.value
        var config: PostgresClient.Configuration
        if let socketDir {
            let port = parts.port ?? 5432
            config = .init(unixSocketPath: "\(socketDir)/.s.PGSQL.\(port)", username: user, password: parts.password, database: database)
        } else {
            config = .init(host: parts.host ?? "localhost", port: parts.port ?? 5432, username: user, password: parts.password,
                           database: database, tls: .disable)
        }
        config.options.maximumConnections = 16
        return PostgresClient(configuration: config, backgroundLogger: logger)
    }

    static let schemaVersion = 7

    public func migrate() async throws {
        try await client.withTransaction(logger: logger) { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.feedLock + 1))", logger: logger)
            try await conn.query("CREATE TABLE IF NOT EXISTS hub_schema (version INT NOT NULL)", logger: logger)
            let rows = try await conn.query("SELECT max(version) FROM hub_schema", logger: logger)
            var current = 0
            for try await version in rows.decode(Int?.self) { current = version ?? 0 }
            guard current <= Self.schemaVersion else {
                throw HubStorageError("the hub database has schema \(current), newer than this setu-hub (\(Self.schemaVersion)); upgrade setu-hub")
            }
            if current < 1 { try await Self.createV1(conn, logger: logger) }
            if current < 2 { try await Self.createV2(conn, logger: logger) }
            if current < 3 { try await Self.createV3(conn, logger: logger) }
            if current < 4 { try await Self.createV4(conn, logger: logger) }
            if current < 5 { try await Self.createV5(conn, logger: logger) }
            if current < 6 { try await Self.createV6(conn, logger: logger) }
            if current < 7 { try await Self.createV7(conn, logger: logger) }
        }
        // Anything read before the triggers existed is not kept.
        cache.noteCommit(.everything)
    }

    static func createV1(_ conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("""
            CREATE TABLE hub_nodes (
              id TEXT PRIMARY KEY, offices TEXT NOT NULL, token_hash BYTEA NOT NULL,
              created_ms BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE)
            """, logger: logger)
        // office in the C collation: byte order, so the range for national
        // records ('all:'…'all;') is an index range on any server locale.
        try await conn.query("""
            CREATE TABLE hub_records (
              seq BIGINT PRIMARY KEY, collection TEXT NOT NULL, id TEXT NOT NULL, office TEXT COLLATE "C" NOT NULL,
              state BYTEA NOT NULL, origin TEXT, UNIQUE (collection, id))
            """, logger: logger)
        try await conn.query("CREATE INDEX hub_records_office ON hub_records (office, seq)", logger: logger)
        try await conn.query("CREATE SEQUENCE hub_feed_seq", logger: logger)
        try await conn.query("INSERT INTO hub_schema (version) VALUES (1)", logger: logger)
    }

    /// Every state in format 2 (`StateFormat`), a thousand rows per
    /// statement; feed positions stay (the states are the same).
    static func createV7(_ conn: PostgresConnection, logger: Logger) async throws {
        var after = Int64.min
        let current = Int(StateFormat.current.rawValue)
        while true {
            let rows = try await conn.query("""
                SELECT seq, state FROM hub_records WHERE seq > \(after) AND length(state) > 0 AND get_byte(state, 0) <> \(current)
                ORDER BY seq LIMIT \(StateFormatMigration.batch)
                """, logger: logger)
            var seqs: [Int64] = [], states: [ByteBuffer] = []
            for try await (seq, state) in rows.decode((Int64, ByteBuffer).self) {
                do {
                    states.append(ByteBuffer(bytes: try StateCodec.transcode(Array(state.readableBytesView), to: .current)))
                } catch {
                    throw HubStorageError("hub_records seq \(seq): \(error); restore the database from a backup")
                }
                seqs.append(seq)
            }
            guard let last = seqs.last else { break }
            try await conn.query("""
                UPDATE hub_records h SET state = n.state FROM unnest(\(seqs)::bigint[], \(states)::bytea[]) AS n(seq, state) WHERE h.seq = n.seq
                """, logger: logger)
            after = last
        }
        try await conn.query("INSERT INTO hub_schema (version) VALUES (7)", logger: logger)
    }

    /// The fleet view: node names, what the hub saw of each node, admins.
    static func createV2(_ conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("ALTER TABLE hub_nodes ADD COLUMN name TEXT", logger: logger)
        try await conn.query("""
            CREATE TABLE hub_node_activity (
              node_id TEXT PRIMARY KEY, first_seen_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL,
              last_pull_ms BIGINT, last_push_ms BIGINT, pull_cursor BIGINT, report TEXT, report_ms BIGINT)
            """, logger: logger)
        try await conn.query("""
            CREATE TABLE hub_admins (
              name TEXT PRIMARY KEY, token_hash BYTEA NOT NULL, created_ms BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE)
            """, logger: logger)
        try await conn.query("INSERT INTO hub_schema (version) VALUES (2)", logger: logger)
    }

    /// The catalogue: integrations, their sales (one row per order id), and
    /// an index that makes the product feed one range per office.
    static func createV3(_ conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("""
            CREATE TABLE hub_integrations (
              name TEXT PRIMARY KEY, offices TEXT NOT NULL, token_hash BYTEA NOT NULL, can_read BOOLEAN NOT NULL,
              can_sell BOOLEAN NOT NULL, created_ms BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE)
            """, logger: logger)
        try await conn.query("""
            CREATE TABLE hub_sales (
              integration TEXT NOT NULL, order_id TEXT NOT NULL, product_id TEXT NOT NULL, quantity BIGINT NOT NULL,
              recorded_ms BIGINT NOT NULL, PRIMARY KEY (integration, order_id))
            """, logger: logger)
        try await conn.query("CREATE INDEX hub_records_catalogue ON hub_records (collection, office, seq)", logger: logger)
        try await conn.query("INSERT INTO hub_schema (version) VALUES (3)", logger: logger)
    }

    /// A transaction whose body may refuse by throwing: it is rolled back
    /// and the refusal thrown as itself, not inside postgres-nio's
    /// `PostgresTransactionError`, which would hide the operator's message.
    func refusableTransaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { conn in try await body(conn) }
        } catch let error as PostgresTransactionError {
            if let refusal = error.closureError, error.rollbackError == nil { throw refusal }
            throw error
        }
    }

    public func addNodes(_ nodes: [(node: HubNode, tokenHash: [UInt8])]) async throws {
        let logger = self.logger
        try await refusableTransaction { conn in
            let rows = try await conn.query("""
                INSERT INTO hub_nodes (id, offices, token_hash, created_ms, name)
                SELECT i, o, h, c, NULLIF(n, '') FROM unnest(\(nodes.map(\.node.id.rawValue))::text[], \(nodes.map { $0.node.offices.joined(separator: ",") })::text[],
                  \(nodes.map { ByteBuffer(bytes: $0.tokenHash) })::bytea[], \(nodes.map(\.node.createdAtMillis))::bigint[],
                  \(nodes.map { $0.node.name ?? "" })::text[]) AS w(i, o, h, c, n)
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger: logger)
            var inserted = Set<String>()
            for try await id in rows.decode(String.self) { inserted.insert(id) }
            let taken = nodes.map(\.node.id).filter { !inserted.contains($0.rawValue) }
            // Throwing rolls the transaction back: all or none.
            guard taken.isEmpty else { throw HubStorageError.nodesExist(taken) }
        }
        cache.noteCommit(.everything)
    }

    public func nodes() async throws -> [HubNode] {
        let rows = try await client.query("SELECT id, offices, created_ms, revoked, name FROM hub_nodes ORDER BY id", logger: logger)
        var nodes: [HubNode] = []
        for try await (id, offices, created, revoked, name) in rows.decode((String, String, Int64, Bool, String?).self) {
            nodes.append(Self.node(id, offices, created, revoked, name))
        }
        return nodes
    }

    public func updateNode(_ id: NodeID, _ change: AccountChange) async throws -> Bool {
        // One statement: each property keeps its value where the change has
        // none; a revoke also clears the node's signing key (its bundles are
        // refused from then on, also once reactivated, until it is enrolled again).
        let rows = try await client.query("""
            WITH updated AS (
              UPDATE hub_nodes SET
                token_hash = coalesce(\(change.tokenHash.map { ByteBuffer(bytes: $0) })::bytea, token_hash),
                offices = coalesce(\(change.offices?.joined(separator: ","))::text, offices),
                revoked = coalesce(\(change.revoked)::boolean, revoked)
              WHERE id = \(id.rawValue) RETURNING id),
            unkeyed AS (
              UPDATE hub_bundles SET public_key = NULL WHERE \(change.revoked == true) AND node IN (SELECT id FROM updated))
            SELECT id FROM updated
            """, logger: logger)
        var found = false
        for try await _ in rows.decode(String.self) { found = true }
        cache.noteCommit(.everything)
        return found
    }

    /// From the cache while notifications flow; else (or for a node not
    /// seen yet) one query.
    public func credentials(of id: NodeID) async throws -> (node: HubNode, tokenHash: [UInt8])? {
        try await cache.credentials(of: id) { try await readCredentials(of: id) }
    }

    private func readCredentials(of id: NodeID) async throws -> (node: HubNode, tokenHash: [UInt8])? {
        let rows = try await client.query(
            "SELECT id, offices, created_ms, revoked, name, token_hash FROM hub_nodes WHERE id = \(id.rawValue)", logger: logger)
        for try await (id, offices, created, revoked, name, hash) in rows.decode((String, String, Int64, Bool, String?, ByteBuffer).self) {
            return (Self.node(id, offices, created, revoked, name), Array(hash.readableBytesView))
        }
        return nil
    }

    static func node(_ id: String, _ offices: String, _ created: Int64, _ revoked: Bool, _ name: String?) -> HubNode {
        HubNode(id: NodeID(rawValue: id)!, offices: offices.split(separator: ",").map(String.init), createdAtMillis: created, revoked: revoked, name: name)
    }

    public func push(keys: [RecordKey], headIn scope: [String]?,
                     decide: @Sendable ([RecordKey: HubStoredState]) throws -> [HubWrite]) async throws -> HubPushPositions {
        let logger = self.logger
        // A refusal from `decide` rolls the transaction back.
        let (positions, moved) = try await refusableTransaction { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.feedLock))", logger: logger)
            let rows = try await conn.query("""
                SELECT collection, id, office, state FROM hub_records
                WHERE length(state) > 0 AND (collection, id) IN (SELECT * FROM unnest(\(keys.map(\.collection))::text[], \(keys.map(\.id))::text[]))
                """, logger: logger)
            var stored: [RecordKey: HubStoredState] = [:]
            for try await (collection, id, office, state) in rows.decode((String, String, String, ByteBuffer).self) {
                stored[RecordKey(collection: collection, id: id)] = HubStoredState(office: office, state: try StateCodec.decode(state.readableBytesView))
            }
            let writes = try decide(stored)
            var headBefore: FeedHead?
            if let scope { headBefore = try await Self.feedHead(conn, offices: scope, logger: logger) }
            guard !writes.isEmpty else { return (HubPushPositions(headBefore: headBefore, lastSeq: nil), [(office: String, seq: Int64)]()) }
            // One statement for the whole batch; '' stands for "no origin".
            let inserted = try await conn.query("""
                INSERT INTO hub_records (seq, collection, id, office, state, origin, deleted)
                SELECT nextval('hub_feed_seq'), c, i, o, s, NULLIF(g, ''), d
                FROM unnest(\(writes.map(\.key.collection))::text[], \(writes.map(\.key.id))::text[], \(writes.map(\.office))::text[],
                            \(writes.map { ByteBuffer(bytes: StateCodec.encode($0.state)) })::bytea[], \(writes.map { $0.origin?.rawValue ?? "" })::text[],
                            \(writes.map(\.state.isDeleted))::boolean[])
                  AS w(c, i, o, s, g, d)
                ON CONFLICT (collection, id) DO UPDATE SET seq = EXCLUDED.seq, office = EXCLUDED.office,
                  state = EXCLUDED.state, origin = EXCLUDED.origin, deleted = EXCLUDED.deleted
                RETURNING office, seq
                """, logger: logger)
            var lastSeq: Int64 = 0
            var moved: [(office: String, seq: Int64)] = []
            for try await (office, seq) in inserted.decode((String, Int64).self) {
                lastSeq = max(lastSeq, seq)
                moved.append((office, seq))
            }
            await beforeCommit?(keys)
            return (HubPushPositions(headBefore: headBefore, lastSeq: lastSeq), moved)
        }
        // At once for this hub's next answer; other hubs hear it from the trigger.
        cache.noteCommit(.positions(moved))
        return positions
    }

    /// As on SQLite: the page's positions come from the office index alone,
    /// then only those rows are read, not `limit` states per office.
    ///
    /// `DISTINCT`: a national office named in the scope is also in the
    /// national range. Counted twice, its rows made pages short, and a short
    /// page says no more: the sync stopped with records still to pull.
    public func feed(offices: [String], after cursor: Int64, limit: Int) async throws -> [HubFeedRow] {
        let distinct = Array(Set(offices)).sorted()
        let rows = try await client.query("""
            SELECT seq, collection, id, office, state, origin, forget FROM hub_records WHERE seq IN (
              SELECT DISTINCT seq FROM (
                SELECT r.seq FROM unnest(\(distinct)::text[]) AS o(office), LATERAL (
                  SELECT h.seq FROM hub_records h WHERE h.office = o.office AND h.seq > \(cursor) ORDER BY h.seq LIMIT \(limit)) r
                UNION ALL
                (SELECT seq FROM hub_records WHERE office >= 'all:' AND office < 'all;' AND seq > \(cursor) ORDER BY seq LIMIT \(limit))
              ) AS scoped ORDER BY seq LIMIT \(limit))
            ORDER BY seq
            """, logger: logger)
        return try await Self.feedRows(rows)
    }

    /// From the cache when it knows every office in scope and notifications
    /// flow: an idle poll sends no query. Else one query reads the head and
    /// floor of each office and of the national range, and they are kept.
    public func feedHead(offices: [String]) async throws -> FeedHead {
        try await cache.feedHead(offices) { keys in try await officeHeads(keys: keys) }
    }

    /// The feed head and purge floor of each office key (`HubReadCache.key`), in one query.
    private func officeHeads(keys: [String]) async throws -> (heads: [String: Int64], purges: [String: Int64]) {
        let offices = keys.filter { $0 != HubReadCache.national }
        let rows = try await client.query("""
            SELECT o.office,
                   coalesce((SELECT max(seq) FROM hub_records h WHERE h.office = o.office), 0),
                   coalesce((SELECT through FROM hub_purges p WHERE p.office = o.office), 0)
            FROM unnest(\(offices)::text[]) AS o(office)
            UNION ALL
            SELECT \(HubReadCache.national),
                   coalesce((SELECT max(seq) FROM hub_records WHERE office >= 'all:' AND office < 'all;'), 0),
                   coalesce((SELECT max(through) FROM hub_purges WHERE office >= 'all:' AND office < 'all;'), 0)
            """, logger: logger)
        var heads: [String: Int64] = [:], purges: [String: Int64] = [:]
        for try await (key, head, through) in rows.decode((String, Int64, Int64).self) {
            heads[key] = head
            purges[key] = through
        }
        return (heads, purges)
    }

    static func feedHead(_ conn: PostgresConnection, offices: [String], logger: Logger) async throws -> FeedHead {
        let rows = try await conn.query("""
            SELECT (SELECT coalesce(max(m), 0) FROM (
                      SELECT (SELECT max(seq) FROM hub_records h WHERE h.office = o.office) AS m FROM unnest(\(offices)::text[]) AS o(office)
                      UNION ALL SELECT max(seq) FROM hub_records WHERE office >= 'all:' AND office < 'all;'
                    ) AS heads),
                   (SELECT coalesce(max(through), 0) FROM hub_purges
                    WHERE office = ANY(\(offices)::text[]) OR (office >= 'all:' AND office < 'all;'))
            """, logger: logger)
        for try await (head, through) in rows.decode((Int64, Int64).self) { return FeedHead(seq: head, purgedThrough: through) }
        return FeedHead(seq: 0, purgedThrough: 0)
    }
}
