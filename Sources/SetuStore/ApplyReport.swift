import SetuCore

/// The outcome of applying a page of remote states.
public struct ApplyReport: Hashable, Sendable {
    /// States that changed this replica.
    public var changed = 0
    /// States this replica had already seen (replays, duplicates).
    public var unchanged = 0
    /// States set aside, with the reason, also kept in `setu_rejects`.
    public var rejected: [Rejection] = []
    /// The furthest a remote clock was ahead of ours past the bound, when clamped.
    public var clampedAheadMillis: UInt64?
    /// States dropped by the peer's purge notices.
    public var forgotten = 0

    public init() {}
}

extension ApplyReport {
    /// Keeps the furthest a remote clock was ahead when the local one was
    /// held at the bound (`SkewPolicy.clamp`).
    mutating func note(_ observation: SkewObservation) {
        if case .clamped(let ahead) = observation { clampedAheadMillis = max(clampedAheadMillis ?? 0, ahead) }
    }
}
