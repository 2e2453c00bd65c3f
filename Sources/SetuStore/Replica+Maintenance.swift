extension Replica {
    /// Copies the WAL into the main file and truncates it, so the file's size
    /// is the replica's size. Waits for writers to finish; runs after any
    /// background checkpoint (see `BackgroundCheckpointer`).
    public func checkpoint() throws {
        try checkpointer.truncate()
    }
}
