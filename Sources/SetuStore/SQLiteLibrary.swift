import CSQLiteConfig

/// SQLite settings for a whole process, made once at a program's start:
/// before the first connection opens, and while no other thread uses
/// SQLite (`sqlite3_config` is not thread-safe).
public enum SQLiteLibrary {
    /// Stops SQLite counting the memory it allocates. The count takes a
    /// process-wide mutex around every allocation, and nothing here reads
    /// it: about 200 locks per record applied, and a tenth of the write
    /// thread's instructions (callgrind). A call after SQLite started
    /// changes nothing.
    public static func configureForThisProcess() {
        _ = setu_sqlite3_disable_memstatus()
    }
}
