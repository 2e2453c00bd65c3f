/// When a replica write is on disk.
public enum CommitDurability: Sendable, Hashable {
    /// The commit returns once the WAL is fsynced (`synchronous=FULL`): an
    /// acknowledged write survives power loss. Every write of the node's
    /// own, and everything an operator is told was taken in.
    case synced
    /// The commit returns once SQLite has written the WAL
    /// (`synchronous=NORMAL`): it survives a crash of setud, and a power
    /// loss may undo it, with everything committed after it. Only for
    /// states that can be fetched again, a pulled page with its cursor:
    /// undone, it is simply pulled again. Nothing of the replica leaves
    /// the node before it is on disk (`Replica.makeDurable`, called by
    /// every read that hands states out), so no dot can be sent and then
    /// forgotten, to be handed out again for another write.
    case deferred
}
