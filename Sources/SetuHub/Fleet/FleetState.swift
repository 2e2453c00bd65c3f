/// A node's state in the fleet view, worst first: the one word an operator
/// sorts and filters by. A pure decision over what the hub holds.
public enum FleetState: String, Sendable, CaseIterable, Comparable {
    /// The token is revoked: it syncs no more (listed, sorted last).
    case revoked
    /// Registered, never seen.
    case never
    /// Not seen for `staleAfterMillis`.
    case stale
    /// Its last report names an error (a failed sync, a full disk).
    case error
    /// Writes set aside, or products sold past zero, wait for a person there.
    case attention
    /// Its PC clock is off from the hub's by more than the bound.
    case clockSkew = "clock_skew"
    /// Records wait for it in its feed (it is between syncs, or stopped mid-way).
    case behind
    case ok

    /// A day: an office that syncs every few minutes when its link is up.
    public static let staleAfterMillis: Int64 = 86_400_000
    /// As setud's: past this, status there says clock_skew.
    public static let skewBoundSeconds = 3_600

    public init(_ entry: FleetNode, nowMillis: Int64) {
        if entry.node.revoked { self = .revoked; return }
        guard let activity = entry.activity else { self = .never; return }
        if nowMillis - activity.lastSeenMillis >= Self.staleAfterMillis { self = .stale; return }
        let report = activity.report
        if report?.lastError != nil { self = .error; return }
        if (report?.setAside ?? 0) > 0 || (report?.oversold ?? 0) > 0 { self = .attention; return }
        if let skew = report?.clockSkewSeconds, abs(skew) > Self.skewBoundSeconds { self = .clockSkew; return }
        self = entry.lag > 0 ? .behind : .ok
    }

    /// Whether it wants looking at.
    public var isProblem: Bool { self != .ok && self != .behind }

    public static func < (a: FleetState, b: FleetState) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
