/// `HubStorage.feedHead`.
public struct FeedHead: Hashable, Sendable {
    /// The latest feed position in scope (0: none).
    public let seq: Int64
    /// The highest floor a purge in scope used (0: never purged). A node
    /// whose cursor lies below it may hold tombstones the others forgot.
    public let purgedThrough: Int64

    public init(seq: Int64, purgedThrough: Int64) {
        self.seq = seq
        self.purgedThrough = purgedThrough
    }
}
