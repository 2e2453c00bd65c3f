import SetuCore

/// What one sync did, for status and logs.
public struct SyncReport: Sendable, Hashable {
    public var pulledRecords = 0
    public var pushedRecords = 0
    /// Pages that carried records.
    public var pages = 0
    /// HTTP requests made.
    public var requests = 0
    public var bytesIn = 0
    public var bytesOut = 0
    /// Records the hub refused for good, set aside with its reason.
    public var setAside: [Rejection] = []
    /// Hub clock minus this node's clock, from the hub's Date header.
    public var clockSkewSeconds: Int?
    /// Local writes stamped while this PC's clock ran ahead, moved near the
    /// hub's time before they were pushed.
    public var restamped = 0
    /// Writes set aside earlier that went through when tried again.
    public var retried = 0
    /// The hub holds another signing key for this node: its bundles would
    /// be refused there.
    public var nodeKeyMismatch = false
    /// The schema version the hub speaks (`Setu-Schema`); nil from a hub that does not say.
    public var hubSchema: Int?
    /// States dropped by the hub's purge notices.
    public var forgotten = 0
    /// Set when the hub answered 410 (this node was away past the purge
    /// horizon) and a re-bootstrap began: the unsent states kept.
    public var rebootstrapKept: Int?
    /// Set when a re-bootstrap completed: the states it dropped (purged at
    /// the hub while this node was away).
    public var rebootstrapDropped: Int?

    public init() {}
}
