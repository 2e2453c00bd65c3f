import GRDB

extension Replica {
    /// Copies the WAL into the main file and truncates it, so the file's size
    /// is the replica's size. Outside a transaction: SQLite refuses a
    /// checkpoint inside one ("database table is locked").
    public func checkpoint() throws {
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }
}
