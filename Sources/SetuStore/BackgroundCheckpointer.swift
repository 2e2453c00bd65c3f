import CSQLiteConfig
import GRDB
import SetuThreads
import Synchronization

/// Copies the replica's WAL back into the database file on a thread of its
/// own, so the transaction that fills the WAL does not wait for it.
///
/// SQLite's default checkpoints inside the commit that crosses 1,000 WAL
/// pages, and with synchronous=FULL a checkpoint ends with an fsync of the
/// database file: during a bootstrap that was a fifth of the time a page of
/// remote states took to apply. Here the writer's WAL hook only asks for a
/// checkpoint; a PASSIVE checkpoint on a separate connection then runs while
/// the engine merges the next page. PASSIVE never blocks the writer or the
/// readers, and a checkpoint, wherever it runs, is crash-safe: an
/// interrupted one is simply redone.
///
/// Should the background fall far behind (a slow disk under a long
/// bootstrap), the writer checkpoints inline again past `inlineLimit`, as
/// SQLite would, so the WAL stays bounded.
///
/// The checkpoints run on a thread of their own at the sync's lower
/// priority (`BackgroundWorker`), as the writes that fill the WAL do. On a
/// Dispatch thread they ran at the normal one, ahead of the niced writer
/// and beside setud's control socket: status during a 100k bootstrap, p99
/// over four alternating pairs of eight bootstraps each, 8.0–9.5 ms
/// before, 6.8–8.8 ms after. Catch-ups did not move beyond the VM's noise.
final class BackgroundCheckpointer: Sendable {
    /// WAL pages (4 KiB) that make a background checkpoint worthwhile:
    /// SQLite's own threshold.
    static let threshold: Int32 = 1_000
    /// WAL pages past which the writer checkpoints itself (16 MiB). A
    /// writer that never pauses keeps the background from ever copying the
    /// whole WAL, and only a fully copied WAL starts again from its first
    /// page; this bounds the file, at one inline checkpoint per ~4,000
    /// pages instead of one per 1,000.
    static let inlineLimit: Int32 = 4_000

    private let connection: DatabaseQueue
    private let scheduled = Atomic(false)
    /// One thread for every replica's checkpoints: a process has one
    /// replica in use (setud), and two checkpoints of one file cannot run at
    /// once anyway.
    private static let worker = BackgroundWorker(name: "setu-checkpoint")

    init(path: String, busyTimeoutSeconds: Double) throws {
        var config = Configuration()
        config.label = "setu-replica-checkpoint"
        config.busyMode = .timeout(busyTimeoutSeconds)
        connection = try DatabaseQueue(path: path, configuration: config)
        try connection.writeWithoutTransaction { db in
            // The checkpoint's fsyncs of the WAL and the database file.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
    }

    /// Replaces SQLite's checkpoint-on-commit on the writer connection `db`
    /// with a request to this checkpointer. `Replica` calls `detach` before
    /// it lets go of the checkpointer.
    func attach(to db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, _, pages in
            let checkpointer = Unmanaged<BackgroundCheckpointer>.fromOpaque(context!).takeUnretainedValue()
            return checkpointer.walGrew(to: pages, writer: connection)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Puts SQLite's own checkpoint-on-commit back on `db`.
    static func detach(from db: Database) {
        sqlite3_wal_autocheckpoint(db.sqliteConnection, threshold)
    }

    /// The WAL hook: runs on the writer, after each commit.
    private func walGrew(to pages: Int32, writer: OpaquePointer?) -> Int32 {
        if pages >= Self.inlineLimit {
            // Busy (a background checkpoint is running) is fine: it is
            // copying these pages already.
            _ = sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        } else if pages >= Self.threshold, !scheduled.exchange(true, ordering: .acquiringAndReleasing) {
            Self.worker.runLater { self.checkpoint() }
        }
        return SQLITE_OK
    }

    private func checkpoint() {
        scheduled.store(false, ordering: .releasing)
        // A failure leaves the pages in the WAL for the next checkpoint,
        // which loses nothing; there is no one to report it to here.
        _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    }

    /// Returns once the checkpoint requested so far, if any, has run.
    func waitUntilIdle() {
        Self.worker.runAndWait {}
    }

    /// Checkpoints everything and truncates the WAL to zero bytes, after any
    /// background checkpoint in progress (two cannot run at once).
    func truncate() throws {
        try Self.worker.runAndWait { [connection] in
            _ = try connection.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        }
    }
}
