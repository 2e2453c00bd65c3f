import Foundation
import Synchronization

/// Counts the replica's commits made with `CommitDurability.deferred`, and
/// puts them on disk when something is about to leave the node.
///
/// An fsync of the WAL file holds every commit before it, whoever wrote
/// it: the WAL is one file, appended in order, and SQLite's recovery
/// stops at the first frame whose checksum chain breaks, so what survives
/// a power loss is always a prefix of the commits.
final class UnsyncedCommits: Sendable {
    private struct Counts {
        /// Deferred transactions started, and ended (committed or not).
        /// A reader can see a commit before the writer's code after it
        /// runs, so a transaction counts from its start: one under way
        /// when `flush` runs is fsynced then, but only counted as on disk
        /// by a later flush.
        var begun: UInt64 = 0
        var ended: UInt64 = 0
        /// How many of them are known to be on disk.
        var onDisk: UInt64 = 0
        /// SQLite fsyncs the directory at its first sync of a WAL it
        /// created; the deferred commits may come before SQLite ever syncs.
        var directorySynced = false
    }

    private let walPath: String
    private let directoryPath: String
    private let counts = Mutex(Counts())
    /// How many times `flush` found commits to put on disk (for tests).
    let flushes = Atomic<Int>(0)

    init(databasePath: String) {
        walPath = databasePath + "-wal"
        let directory = (databasePath as NSString).deletingLastPathComponent
        directoryPath = directory.isEmpty ? "." : directory
    }

    /// Whether a deferred commit may not be on disk yet.
    var pending: Bool { counts.withLock { $0.begun > $0.onDisk } }

    /// Runs one deferred transaction, counted from before it starts to
    /// after it ended.
    func counting<T>(_ transaction: () throws -> T) rethrows -> T {
        counts.withLock { $0.begun += 1 }
        defer { counts.withLock { $0.ended += 1 } }
        return try transaction()
    }

    /// Returns once every deferred commit a caller could have read is on
    /// disk: every one begun before the call.
    func flush() throws {
        let (due, ended, directoryToo) = counts.withLock { ($0.begun > $0.onDisk, $0.ended, !$0.directorySynced) }
        guard due else { return }
        // No WAL file: the last connection closed, and its checkpoint synced
        // the database file with everything the WAL held.
        let walSynced = try Self.fsync(walPath, missingIsFine: true)
        if walSynced, directoryToo { _ = try Self.fsync(directoryPath, missingIsFine: false) }
        // What had ended before the fsync began is on disk now. The
        // directory counts as synced only once a WAL's entry in it was.
        counts.withLock {
            $0.onDisk = max($0.onDisk, ended)
            if walSynced { $0.directorySynced = true }
        }
        flushes.add(1, ordering: .relaxed)
    }

    /// fsyncs the file or directory at `path`; false when it does not exist
    /// and `missingIsFine`.
    private static func fsync(_ path: String, missingIsFine: Bool) throws -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT, missingIsFine { return false }
            throw ReplicaError(.notDurable, "cannot open \(path) to put the replica's pulled pages on disk: \(String(cString: strerror(code))); "
                + "nothing was sent; check the disk and the file's permissions")
        }
        defer { close(descriptor) }
        guard Glibc.fsync(descriptor) == 0 else {
            let code = errno
            throw ReplicaError(.notDurable, "the disk did not take the replica's pulled pages (fsync of \(path): \(String(cString: strerror(code)))); "
                + "nothing was sent; check the disk (dmesg) before the next sync")
        }
        return true
    }
}
