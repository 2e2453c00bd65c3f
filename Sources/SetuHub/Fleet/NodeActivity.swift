import SetuCore
import SetuProtocol

/// What the hub has seen of one node: when it came, what it asked for, and
/// the last report it sent. Many requests fold into one (`absorb`) before
/// they are written, and folding is order-free (earliest first seen, latest
/// everything else), so two hubs over one PostgreSQL database can write
/// theirs in any order.
public struct NodeActivity: Hashable, Sendable {
    public let node: NodeID
    public var firstSeenMillis: Int64
    public var lastSeenMillis: Int64
    public var lastPullMillis: Int64?
    public var lastPushMillis: Int64?
    /// How far the hub has sent its feed to this node (the cursor of its
    /// last pull answer): the lag is what lies in its scope past this.
    public var pullCursor: Int64?
    /// The cursor its last pull came with, when the node applies purge
    /// notices (`Setu-Purge`): what it holds of the feed, which purges
    /// count. Nil from an older node, which holds purges back.
    public var acknowledgedCursor: Int64?
    public var report: NodeReport?
    public var reportMillis: Int64?

    public init(node: NodeID, firstSeenMillis: Int64, lastSeenMillis: Int64, lastPullMillis: Int64? = nil, lastPushMillis: Int64? = nil,
                pullCursor: Int64? = nil, acknowledgedCursor: Int64? = nil, report: NodeReport? = nil, reportMillis: Int64? = nil) {
        self.node = node
        self.firstSeenMillis = firstSeenMillis
        self.lastSeenMillis = lastSeenMillis
        self.lastPullMillis = lastPullMillis
        self.lastPushMillis = lastPushMillis
        self.pullCursor = pullCursor
        self.acknowledgedCursor = acknowledgedCursor
        self.report = report
        self.reportMillis = reportMillis
    }

    /// One pull answered at `millis` with the feed sent up to `cursor`;
    /// `acknowledged` is the cursor it came with, from a node that applies
    /// purge notices.
    public static func pull(_ node: NodeID, at millis: Int64, cursor: Int64, acknowledged: Int64? = nil, report: NodeReport?) -> NodeActivity {
        NodeActivity(node: node, firstSeenMillis: millis, lastSeenMillis: millis, lastPullMillis: millis, pullCursor: cursor,
                     acknowledgedCursor: acknowledged, report: report, reportMillis: report == nil ? nil : millis)
    }

    /// One push answered at `millis`.
    public static func push(_ node: NodeID, at millis: Int64) -> NodeActivity {
        NodeActivity(node: node, firstSeenMillis: millis, lastSeenMillis: millis, lastPushMillis: millis)
    }

    /// Any other authenticated request (a refused push) at `millis`.
    public static func seen(_ node: NodeID, at millis: Int64) -> NodeActivity {
        NodeActivity(node: node, firstSeenMillis: millis, lastSeenMillis: millis)
    }

    /// Folds `other` (of the same node) in.
    public mutating func absorb(_ other: NodeActivity) {
        firstSeenMillis = min(firstSeenMillis, other.firstSeenMillis)
        lastSeenMillis = max(lastSeenMillis, other.lastSeenMillis)
        lastPushMillis = Self.later(lastPushMillis, other.lastPushMillis)
        if let pulled = other.lastPullMillis, pulled >= (lastPullMillis ?? .min) {
            lastPullMillis = pulled
            pullCursor = other.pullCursor
            acknowledgedCursor = other.acknowledgedCursor
        }
        if let reported = other.reportMillis, reported >= (reportMillis ?? .min) {
            reportMillis = reported
            report = other.report
        }
    }

    static func later(_ a: Int64?, _ b: Int64?) -> Int64? {
        switch (a, b) {
        case let (a?, b?): max(a, b)
        default: a ?? b
        }
    }
}
