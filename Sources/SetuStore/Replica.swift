import CSQLiteConfig
import GRDB
import SetuCore
import Synchronization

/// The local SQLite replica of one node: plain tables for office software,
/// Setu's state in `setu_` tables, one file in WAL mode.
///
/// All engine writes go through `write(_:)`, which first stamps what other
/// SQLite clients wrote, then runs the change, in one IMMEDIATE transaction:
/// a crash at any point leaves either all of it or none. The engine's
/// connections run with triggers off, so its own writes are never captured.
public final class Replica: Sendable {
    public let path: String
    public let node: NodeID
    public let options: ReplicaOptions
    let pool: DatabasePool
    let checkpointer: BackgroundCheckpointer
    /// Commits made with `CommitDurability.deferred`, put on disk before
    /// anything is handed out to send (`makeDurable`).
    let unsynced: UnsyncedCommits
    /// The hub's clock less this PC's, as last measured (see `now()`).
    let clockOffset = Mutex<Int64>(0)
    /// The offices the hub says this node serves (see `servedOffices`).
    let served = Mutex<[String]?>(nil)
    /// The file's schema version when the capture triggers were last
    /// checked (`checkCapture`).
    let checkedSchemaVersion = Mutex<Int?>(nil)
    /// The numbers stored states name nodes by (`NodeNumbers`).
    let nodeNumbers = NodeNumbers()

    /// Opens (creating if needed) the replica at `path` for `node`.
    ///
    /// Fails if the file belongs to another node or was migrated by a newer Setu.
    public init(path: String, node: NodeID, options: ReplicaOptions = ReplicaOptions()) throws {
        self.path = path
        self.node = node
        self.options = options
        unsynced = UnsyncedCommits(databasePath: path)
        var config = Configuration()
        config.busyMode = .timeout(options.busyTimeoutSeconds)
        config.label = "setu-replica"
        config.prepareDatabase { db in
            // 16 MiB of page cache (SQLite's default is 2 MiB): two tables and
            // four indexes grow together during a bootstrap; measured ~25%
            // faster local writes at 100k records, well inside the daemon's
            // memory budget.
            try db.execute(sql: "PRAGMA cache_size = -16384")
            // A transaction larger than the checkpointer's bound (stamping a
            // script of thousands of SQL rows) grows the WAL past it; without
            // a limit the file then stays at that size for good (144 MB per
            // office in the churn benchmark). SQLite cuts it back to this when
            // the WAL starts again from its first page.
            try db.execute(sql: "PRAGMA journal_size_limit = \(Int(BackgroundCheckpointer.inlineLimit) * 4_096)")
            try Replica.disableCaptureTriggers(db)
        }
        pool = try DatabasePool(path: path, configuration: config)
        try Replica.syncEveryCommit(pool)
        try ReplicaSchema.migrate(pool, path: path)
        try ReplicaSchema.showSchema(options.schema, in: pool)
        let numbers = nodeNumbers
        try pool.read { db in try numbers.load(db) }
        checkpointer = try BackgroundCheckpointer(path: path, busyTimeoutSeconds: options.busyTimeoutSeconds)
        try pool.writeWithoutTransaction { db in checkpointer.attach(to: db) }
        try claimNode()
        let offset = try storedClockOffset()
        clockOffset.withLock { $0 = offset }
        let offices = try storedServedOffices()
        served.withLock { $0 = offices }
    }

    deinit {
        // The writer's WAL hook points at the checkpointer, which goes next.
        try? pool.writeWithoutTransaction { db in BackgroundCheckpointer.detach(from: db) }
    }

    /// synchronous=FULL in WAL mode fsyncs the WAL at every commit: an
    /// acknowledged write survives power loss, not only a process crash.
    ///
    /// Set on the writer after the pool is open, not in `prepareDatabase`:
    /// GRDB's pool switches its writer to WAL mode after preparing it and
    /// sets synchronous=NORMAL there, which silently undid an earlier FULL.
    private static func syncEveryCommit(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
    }

    /// Turns the plain tables' capture triggers off on this connection only.
    ///
    /// The triggers exist to notice rows other SQLite clients change; the
    /// engine's own writes must never be noticed. Switching triggers off on
    /// the engine's connections, rather than evaluating a switch in every
    /// trigger, also spares each row written the trigger program and the
    /// statement journal SQLite opens for a statement that fires one (per
    /// row, a 64 KiB allocation the C library handed back to the kernel each
    /// time): measured on a 100k-record apply, more than the row's own SQL.
    private static func disableCaptureTriggers(_ db: Database) throws {
        let code = setu_sqlite3_enable_triggers(db.sqliteConnection, 0)
        guard code == SQLITE_OK else {
            throw ReplicaError(.unsupportedSQLite, "SQLite refused to switch triggers off on the replica's connection (code \(code)); "
                + "this SQLite build is unsupported: install the distribution's libsqlite3")
        }
    }

    /// Records the node id on first open; refuses a file made by another node,
    /// since two nodes writing dots under one id would break causality.
    private func claimNode() throws {
        try pool.write { db in
            let stored = try String.fetchOne(db, sql: "SELECT value FROM setu_meta WHERE key = 'node'")
            if let stored, stored != node.rawValue {
                throw ReplicaError(.nodeMismatch, "\(path) belongs to node \(stored), not \(node); "
                    + "set node_id back to \(stored), or point this node at its own replica file")
            }
            if stored == nil {
                try db.execute(sql: "INSERT INTO setu_meta (key, value) VALUES ('node', ?)", arguments: [node.rawValue])
            }
        }
    }

    /// Runs `body` in one IMMEDIATE write transaction, after stamping the
    /// writes other clients made since the last one; `durability` says
    /// whether the commit waits for the disk.
    func write<T>(_ durability: CommitDurability = .synced, _ body: (inout WriteTransaction) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var result: T?
            var grants: NodeGrants?
            try committing(durability, in: db) {
                try db.inTransaction(.immediate) {
                    try checkCapture(db)
                    var tx = try WriteTransaction(db: db, replica: self)
                    tx.stamped = try tx.stampOutsideWrites()
                    tx.rowsAreCurrent = true
                    result = try body(&tx)
                    try tx.finish()
                    grants = tx.grants
                    return .commit
                }
            }
            // Committed: the numbers it gave nodes hold from now on.
            if let grants { nodeNumbers.keep(grants.numbers.lazy.map { ($0.key, $0.value) }) }
            return result!
        }
    }

    /// Runs `transaction` on the writer at `durability`, and leaves the
    /// writer syncing every commit again, whatever happened: its other
    /// writes (GRDB's `pool.write`) rely on it. SQLite takes the setting
    /// only outside a transaction. A deferred one is counted by
    /// `UnsyncedCommits`, for `makeDurable`.
    private func committing(_ durability: CommitDurability, in db: Database, _ transaction: () throws -> Void) throws {
        guard durability == .deferred else { return try transaction() }
        try db.execute(sql: "PRAGMA synchronous = NORMAL")
        let outcome = unsynced.counting { Result { try transaction() } }
        try db.execute(sql: "PRAGMA synchronous = FULL")
        try outcome.get()
    }

    /// Returns once every commit made so far is on disk: called before
    /// anything read from the replica leaves the node (a push, a bundle),
    /// so what is sent cannot be undone here by a power loss
    /// (`CommitDurability.deferred`). Throws, and nothing should be sent,
    /// when the disk refuses.
    public func makeDurable() throws {
        try unsynced.flush()
    }

    /// Read-only access for the other extensions (a snapshot; never blocks on writers).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    /// The schema this replica shows (`ReplicaOptions.schema`).
    public var schema: Schema { options.schema }

    /// The collection declaration for `name`, or a typed error.
    func collection(_ name: String) throws(ValidationError) -> CollectionSpec {
        try schema.collection(name)
    }
}
