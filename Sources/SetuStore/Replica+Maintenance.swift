import Foundation
import GRDB

extension Replica {
    /// Copies the WAL into the main file and truncates it, so the file's size
    /// is the replica's size. Waits for writers to finish; runs after any
    /// background checkpoint (see `BackgroundCheckpointer`).
    public func checkpoint() throws {
        try checkpointer.truncate()
    }

    /// Whether a write that failed with `error` failed for the disk (full,
    /// or an I/O error) rather than for what it wrote; then a sentence for
    /// status that says what to do.
    public func diskProblem(in error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        let directory = (path as NSString).deletingLastPathComponent
        switch error.resultCode {
        case .SQLITE_FULL:
            return "the disk holding the replica is full: local writes fail until space is freed in \(directory) (see df -h \(directory))"
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY:
            return "local writes to the replica fail (\(error.resultCode)): check the disk and permissions of \(directory)"
        default:
            return nil
        }
    }

    /// Whether a write that failed with `error` waited in vain for the
    /// replica's write lock, which another program held for longer than
    /// the busy timeout; then the cause, for the operator.
    public func lockProblem(in error: any Error) -> String? {
        guard let error = error as? DatabaseError, error.resultCode == .SQLITE_BUSY else { return nil }
        return "another program has held the replica's write lock for over \(Int(options.busyTimeoutSeconds)) s "
            + "(a long transaction in the office software, or a sqlite3 shell left inside BEGIN?)"
    }

    /// Writes a few bytes and commits, to learn whether local writes work
    /// again after a disk problem (status shows it until they do).
    public func probeWrite() throws {
        try pool.write { db in
            try ReplicaSchema.setMeta(db, "probe_ms", Int64(now()))
        }
    }
}
