import Foundation
import GRDB
import Synchronization
import SetuCore

/// Hub storage in one SQLite file (WAL): the embedded default, for a hub
/// that fits on one machine. SQLite has one writer at a time, so feed
/// positions commit in order by construction.
public final class SQLiteHubStorage: HubStorage {
    let pool: DatabasePool
    /// Feed heads and credentials for idle polls (see `HubReadCache`).
    let cache = HubReadCache()
    /// A connection of its own, for `PRAGMA data_version` alone: it changes
    /// when any other connection commits (ours or another process's).
    private let probe: DatabaseQueue

    /// Page cache bounds: 24 MiB for the writer, 8 MiB for each reader.
    static let writerCacheKiB = 24 << 10
    static let readerCacheKiB = 8 << 10

    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "setu-hub"
        // Page caches are per connection, and the pool opens a reader per
        // concurrent read (GRDB's default: up to 5): 64 MiB each had let
        // setu-hub reach 172 MB serving a 1M bootstrap. The writer keeps
        // the office index and the pages pushes touch; a reader walks
        // a range of the feed once, which the OS's file cache serves as well.
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = \(db.configuration.readonly ? -Self.readerCacheKiB : -Self.writerCacheKiB)")
        }
        pool = try DatabasePool(path: path, configuration: config)
        // An acknowledged push survives power loss: the WAL is fsynced at
        // every commit. Set after opening, as GRDB sets its pool's writer to
        // synchronous=NORMAL when it switches it to WAL mode.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        var probeConfig = Configuration()
        probeConfig.busyMode = .timeout(10)
        probeConfig.label = "setu-hub.data-version"
        probe = try DatabaseQueue(path: path, configuration: probeConfig)
    }

    /// One write transaction of ours, and what it changed for the cache.
    /// The writer's `data_version` is read before and after (it changes
    /// only when another process commits), the probe's between the commit
    /// and the second read, so no other process's commit goes unnoticed.
    func write<T: Sendable>(_ effect: @Sendable (T) -> HubReadCache.Effect, _ body: @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction { [cache, probe] db in
            let before = try Self.dataVersion(db)
            var result: T?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            let probeVersion = try probe.inDatabase { try Self.dataVersion($0) }
            let after = try Self.dataVersion(db)
            cache.noteOwnWrite(effect(result!), writerBefore: before, writerAfter: after, probeVersion: probeVersion)
            return result!
        }
    }

    func write<T: Sendable>(_ effect: HubReadCache.Effect = .everything, _ body: @Sendable (Database) throws -> T) async throws -> T {
        try await write({ _ in effect }, body)
    }

    static func dataVersion(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
    }

    /// Empties the cache if another process committed since we last looked.
    private func checkForOtherWriters() throws {
        cache.check(probeVersion: try probe.inDatabase { try Self.dataVersion($0) })
    }

    public func migrate() async throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-hub") { db in
            // Registered nodes: offices served (comma-separated codes) and the
            // SHA-256 of their token's secret.
            try db.execute(sql: """
                CREATE TABLE hub_nodes (
                  id TEXT PRIMARY KEY NOT NULL, offices TEXT NOT NULL, token_hash BLOB NOT NULL,
                  created_ms INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0) STRICT
                """)
            // Every record's merged state; `seq` (the rowid) is its feed position.
            try db.execute(sql: """
                CREATE TABLE hub_records (
                  seq INTEGER PRIMARY KEY, collection TEXT NOT NULL, id TEXT NOT NULL, office TEXT NOT NULL,
                  state BLOB NOT NULL, origin TEXT, UNIQUE (collection, id)) STRICT
                """)
            // A node's feed is one index range per office it serves.
            try db.execute(sql: "CREATE INDEX hub_records_office ON hub_records (office, seq)")
        }
        migrator.registerMigration("v2-fleet") { db in
            try db.execute(sql: "ALTER TABLE hub_nodes ADD COLUMN name TEXT")
            // What the hub saw of each node (FleetRecorder); `report` is the
            // node's last Setu-Report header, as it came.
            try db.execute(sql: """
                CREATE TABLE hub_node_activity (
                  node_id TEXT PRIMARY KEY NOT NULL, first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL,
                  last_pull_ms INTEGER, last_push_ms INTEGER, pull_cursor INTEGER, report TEXT, report_ms INTEGER) STRICT
                """)
            try db.execute(sql: """
                CREATE TABLE hub_admins (
                  name TEXT PRIMARY KEY NOT NULL, token_hash BLOB NOT NULL, created_ms INTEGER NOT NULL,
                  revoked INTEGER NOT NULL DEFAULT 0) STRICT
                """)
        }
        migrator.registerMigration("v3-catalogue") { db in
            // Outside platforms (HubIntegration) and the sales they reported,
            // one row per order id so a retried sale counts once.
            try db.execute(sql: """
                CREATE TABLE hub_integrations (
                  name TEXT PRIMARY KEY NOT NULL, offices TEXT NOT NULL, token_hash BLOB NOT NULL, can_read INTEGER NOT NULL,
                  can_sell INTEGER NOT NULL, created_ms INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0) STRICT
                """)
            try db.execute(sql: """
                CREATE TABLE hub_sales (
                  integration TEXT NOT NULL, order_id TEXT NOT NULL, product_id TEXT NOT NULL, quantity INTEGER NOT NULL,
                  recorded_ms INTEGER NOT NULL, PRIMARY KEY (integration, order_id)) STRICT
                """)
            // The catalogue feed is one index range per office of products
            // alone, however many requests those offices hold.
            try db.execute(sql: "CREATE INDEX hub_records_catalogue ON hub_records (collection, office, seq)")
        }
        migrator.registerMigration("v4-bundles") { db in try Self.createBundles(db) }
        migrator.registerMigration("v5-purge") { db in try Self.createPurge(db) }
        migrator.registerMigration("v6-state-format-2") { db in
            // Every state in format 2 (`StateFormat`): smaller by a third, and
            // served to offices that ask for it as it is. Feed positions stay.
            let update = try db.makeStatement(sql: StateFormatMigration.sqliteUpdate(table: "hub_records"))
            try StateFormatMigration.run(fetch: { after, limit in
                try Row.fetchAll(db, sql: StateFormatMigration.sqliteSelect(table: "hub_records"), arguments: [after, limit])
                    .map { ($0["seq"], Array($0["state"] as Data)) }
            }, store: { seq, state in
                try update.execute(arguments: [Data(state), seq])
            })
        }
        let known = Set(migrator.migrations)
        let reader = migrator
        let applied = try await pool.read { db in try reader.appliedIdentifiers(db) }
        guard applied.isSubset(of: known) else {
            throw HubStorageError("the hub database was written by a newer setu-hub (\(applied.subtracting(known).sorted().joined(separator: ", "))); upgrade setu-hub")
        }
        try migrateAlongsideOthers(migrator, appliedBefore: applied)
    }

    /// Runs the migrations while another process may be running them on the
    /// same file (`setu-hub serve` and `setu-hub node add` started together
    /// on a fresh install). GRDB serialises migrations within one pool only:
    /// two processes can both find a migration unapplied, and the later one
    /// fails ("duplicate column name") after the other committed it. A
    /// failure is tried again as long as the applied set grew meanwhile
    /// (someone else is migrating); a failure of our own is thrown.
    private func migrateAlongsideOthers(_ migrator: DatabaseMigrator, appliedBefore: Set<String>) throws {
        var applied = appliedBefore
        while true {
            do {
                return try migrator.migrate(pool)
            } catch {
                let now = try pool.read { db in try migrator.appliedIdentifiers(db) }
                guard now != applied else { throw error }
                applied = now
            }
        }
    }

    public func addNodes(_ nodes: [(node: HubNode, tokenHash: [UInt8])]) async throws {
        try await write { db in
            let exists = try db.cachedStatement(sql: "SELECT 1 FROM hub_nodes WHERE id = ?")
            let taken = try nodes.filter { try Bool.fetchOne(exists, arguments: [$0.node.id.rawValue]) != nil }.map(\.node.id)
            guard taken.isEmpty else { throw HubStorageError.nodesExist(taken) }
            let insert = try db.cachedStatement(sql: "INSERT INTO hub_nodes (id, offices, token_hash, created_ms, name) VALUES (?, ?, ?, ?, ?)")
            for (node, hash) in nodes {
                try insert.execute(arguments: [node.id.rawValue, node.offices.joined(separator: ","), Data(hash), node.createdAtMillis, node.name])
            }
        }
    }

    public func nodes() async throws -> [HubNode] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, offices, created_ms, revoked, name FROM hub_nodes ORDER BY id").map(Self.node)
        }
    }

    public func updateNode(_ id: NodeID, _ change: AccountChange) async throws -> Bool {
        try await write { db in
            // One statement: each property keeps its value where the change has none.
            try db.execute(sql: """
                UPDATE hub_nodes SET token_hash = coalesce(?, token_hash), offices = coalesce(?, offices), revoked = coalesce(?, revoked)
                WHERE id = ?
                """, arguments: [change.tokenHash.map { Data($0) }, change.offices?.joined(separator: ","), change.revoked, id.rawValue])
            let found = db.changesCount > 0
            // A revoked node's bundles are refused from now on, also once it
            // is reactivated, until its key is enrolled again.
            if change.revoked == true { try db.execute(sql: "UPDATE hub_bundles SET public_key = NULL WHERE node = ?", arguments: [id.rawValue]) }
            return found
        }
    }

    public func credentials(of id: NodeID) async throws -> (node: HubNode, tokenHash: [UInt8])? {
        try checkForOtherWriters()
        return try await cache.credentials(of: id) { try await readCredentials(of: id) }
    }

    private func readCredentials(of id: NodeID) async throws -> (node: HubNode, tokenHash: [UInt8])? {
        try await pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT id, offices, created_ms, revoked, name, token_hash FROM hub_nodes WHERE id = ?")
            guard let row = try Row.fetchOne(statement, arguments: [id.rawValue]) else { return nil }
            let hash: Data = row["token_hash"]
            return (Self.node(row), Array(hash))
        }
    }

    static func node(_ row: Row) -> HubNode {
        let offices: String = row["offices"]
        return HubNode(id: NodeID(rawValue: row["id"])!, offices: offices.split(separator: ",").map(String.init),
                       createdAtMillis: row["created_ms"], revoked: row["revoked"], name: row["name"])
    }

    public func push(keys: [RecordKey], headIn scope: [String]?,
                     decide: @Sendable ([RecordKey: HubStoredState]) throws -> [HubWrite]) async throws -> HubPushPositions {
        try await write({ (result: (HubPushPositions, [(office: String, seq: Int64)])) in .positions(result.1) }) { db in
            var stored: [RecordKey: HubStoredState] = [:]
            for key in keys { stored[key] = try Self.storedState(db, key) }
            let writes = try decide(stored)
            let headBefore = try scope.map { try Self.feedHead(db, offices: $0) }
            var seq = try Self.lastPosition(db)
            var positions: [(office: String, seq: Int64)] = []
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO hub_records (seq, collection, id, office, state, origin, deleted) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (collection, id) DO UPDATE SET seq = excluded.seq, office = excluded.office,
                  state = excluded.state, origin = excluded.origin, deleted = excluded.deleted
                """)
            // `forget` is left as it is: a new state of a purged record keeps
            // the purged vector until every node has passed it.
            for write in writes {
                seq += 1
                positions.append((write.office, seq))
                try upsert.execute(arguments: [seq, write.key.collection, write.key.id, write.office,
                                               Data(StateCodec.encode(write.state)), write.origin?.rawValue, write.state.isDeleted])
            }
            return (HubPushPositions(headBefore: headBefore, lastSeq: writes.isEmpty ? nil : seq), positions)
        }.0
    }

    /// The page's positions are chosen from the office index alone
    /// (`feedPositions`), then only those rows are read: reading the states
    /// of every candidate made a district serving 50 offices read 51 pages
    /// of states to send one (0.10 ms of hub CPU per pulled record, measured).
    public func feed(offices: [String], after cursor: Int64, limit: Int) async throws -> [HubFeedRow] {
        try await pool.read { db in
            let positions = try Self.feedPositions(db, offices: offices, after: cursor, limit: limit)
            guard !positions.isEmpty else { return [] }
            return try Self.feedRows(db.cachedStatement(sql: """
                SELECT \(Self.feedColumns) FROM hub_records
                WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq
                """), arguments: ["[" + positions.map(String.init).joined(separator: ",") + "]"])
        }
    }

    /// From the cache when it knows every office in scope: an idle poll
    /// reads no table. Else each unknown office's head and floor is read
    /// (an index lookup each) and kept.
    public func feedHead(offices: [String]) async throws -> FeedHead {
        try checkForOtherWriters()
        return try await cache.feedHead(offices) { keys in try await pool.read { db in try Self.officeHeads(db, keys: keys) } }
    }

    /// The feed head and purge floor of each office key (`HubReadCache.key`).
    static func officeHeads(_ db: Database, keys: [String]) throws -> (heads: [String: Int64], purges: [String: Int64]) {
        let head = try db.cachedStatement(sql: "SELECT max(seq) FROM hub_records INDEXED BY hub_records_office WHERE office = ?")
        let nationalHead = try db.cachedStatement(sql: "SELECT max(seq) FROM hub_records INDEXED BY hub_records_office WHERE office >= 'all:' AND office < 'all;'")
        let floor = try db.cachedStatement(sql: "SELECT through FROM hub_purges WHERE office = ?")
        let nationalFloor = try db.cachedStatement(sql: "SELECT max(through) FROM hub_purges WHERE office >= 'all:' AND office < 'all;'")
        var heads: [String: Int64] = [:], purges: [String: Int64] = [:]
        for key in keys {
            let national = key == HubReadCache.national
            heads[key] = try (national ? Int64.fetchOne(nationalHead) : Int64.fetchOne(head, arguments: [key])) ?? 0
            purges[key] = try (national ? Int64.fetchOne(nationalFloor) : Int64.fetchOne(floor, arguments: [key])) ?? 0
        }
        return (heads, purges)
    }

    static func feedHead(_ db: Database, offices: [String]) throws -> FeedHead {
        let (heads, arguments) = Self.scoped("SELECT max(seq) AS seq FROM hub_records INDEXED BY hub_records_office WHERE %SCOPE%", offices: offices, extra: [])
        let (purges, purgeArguments) = Self.scoped("SELECT max(through) AS seq FROM hub_purges WHERE %SCOPE%", offices: offices, extra: [])
        let statement = try db.cachedStatement(sql: "SELECT (SELECT max(seq) FROM (\(heads))) AS head, (SELECT max(seq) FROM (\(purges))) AS through")
        let row = try Row.fetchOne(statement, arguments: arguments + purgeArguments)
        return FeedHead(seq: row?["head"] ?? 0, purgedThrough: row?["through"] ?? 0)
    }

    /// One sub-select per office (an index range each) and one for national
    /// records, joined with UNION ALL: never a scan of the whole feed.
    /// `INDEXED BY`: with the cursor bound as a parameter, SQLite otherwise
    /// answered the national range by walking every row after the cursor
    /// (0.25 s a page on a 1M-record hub, measured).
    ///
    /// The text depends only on the template and the number of offices, so
    /// it is built once per pair and GRDB's statement cache keeps it
    /// compiled: an idle poll had spent more on building and compiling its
    /// head query than on running it.
    static func scoped(_ template: String, offices: [String], extra: [DatabaseValueConvertible]) -> (String, StatementArguments) {
        var arguments: [DatabaseValueConvertible] = []
        for office in offices { arguments += [office] + extra }
        arguments += extra
        return (scopedSQL(template, offices: offices.count), StatementArguments(arguments))
    }

    private static func scopedSQL(_ template: String, offices: Int) -> String {
        let key = "\(offices)|\(template)"
        if let known = scopedSQLs.withLock({ $0[key] }) { return known }
        let one = "SELECT * FROM (\(template.replacingOccurrences(of: "%SCOPE%", with: "office = ?")))"
        let national = "SELECT * FROM (\(template.replacingOccurrences(of: "%SCOPE%", with: "office >= 'all:' AND office < 'all;'")))"
        let sql = (Array(repeating: one, count: offices) + [national]).joined(separator: " UNION ALL ")
        scopedSQLs.withLock { if $0.count < 4_096 { $0[key] = sql } }
        return sql
    }

    /// Built texts by office count and template (a few templates, as many counts as scopes differ in size).
    private static let scopedSQLs = Mutex<[String: String]>([:])
}

/// A storage failure an operator must act on.
public struct HubStorageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }

    static func integrationExists(_ name: String) -> HubStorageError {
        HubStorageError("integration \(name) exists already; give it a new token with setu-hub integration rotate-token \(name)")
    }

    static func nodesExist(_ ids: [NodeID]) -> HubStorageError {
        let listed = ids.prefix(5).map(\.rawValue).joined(separator: ", ") + (ids.count > 5 ? " and \(ids.count - 5) more" : "")
        let fix = "give it a new token with setu-hub node rotate-token, or node reactivate if it was revoked"
        return HubStorageError(ids.count == 1 ? "node \(listed) exists already; \(fix)" : "nodes \(listed) exist already; nothing was added; remove them from the file or \(fix)")
    }
}
