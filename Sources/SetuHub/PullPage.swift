import SetuProtocol

/// A pull answer as the hub sends it: the body (a `PullResponse` in JSON or
/// as a states page, written by `PullPageWriter`) and what the log and the
/// fleet view need of it.
public struct PullPage: Sendable {
    public let body: [UInt8]
    public let format: PullPageFormat
    public let records: Int
    public let purged: Int
    /// Opaque to the node: it sends it back to continue.
    public var cursor: String { position.text }
    public let more: Bool
    let position: FeedCursor

    /// Nothing to apply: the page skipped only the node's own states.
    public var isEmpty: Bool { records == 0 && purged == 0 }
}
