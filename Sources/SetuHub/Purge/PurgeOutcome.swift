/// What one `HubStorage.purge` did.
public struct PurgeOutcome: Hashable, Sendable {
    /// Tombstones whose state was dropped (each now a purge notice).
    public var purged = 0
    /// Purge notices every node had passed, dropped.
    public var noticesDropped = 0
    /// Records that stopped carrying a purged tombstone's vector.
    public var forgetsCleared = 0

    public init(purged: Int = 0, noticesDropped: Int = 0, forgetsCleared: Int = 0) {
        self.purged = purged
        self.noticesDropped = noticesDropped
        self.forgetsCleared = forgetsCleared
    }

    public var changed: Bool { purged + noticesDropped + forgetsCleared > 0 }
}
