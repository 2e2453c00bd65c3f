/// Which nodes a fleet listing shows, and in what order: the one rule for
/// `setu-hub nodes`, the admin API and the dashboard.
public struct FleetQuery: Hashable, Sendable {
    /// Only nodes not seen for at least this long (never seen included).
    public var staleForMillis: Int64?
    /// Only nodes with an office code starting with this (`district:khulna`).
    public var officePrefix: String?
    /// Only nodes with an office in this district (`OfficeCode.district`).
    public var district: String?
    /// Only nodes in this state.
    public var state: FleetState?

    public init(staleForMillis: Int64? = nil, officePrefix: String? = nil, district: String? = nil, state: FleetState? = nil) {
        self.staleForMillis = staleForMillis
        self.officePrefix = officePrefix
        self.district = district
        self.state = state
    }

    /// The matching nodes, stalest first: never seen, then longest unseen;
    /// revoked nodes last; ties by id.
    public func apply(to nodes: [FleetNode], nowMillis: Int64) -> [FleetNode] {
        nodes.filter { matches($0, nowMillis: nowMillis) }.sorted { a, b in
            let (ka, kb) = (Self.key(a, nowMillis), Self.key(b, nowMillis))
            if ka.revoked != kb.revoked { return !ka.revoked }
            if ka.since != kb.since { return ka.since > kb.since }
            return a.node.id < b.node.id
        }
    }

    func matches(_ entry: FleetNode, nowMillis: Int64) -> Bool {
        if let staleForMillis, let since = entry.sinceSeen(nowMillis: nowMillis), since < staleForMillis { return false }
        if let officePrefix, !entry.node.offices.contains(where: { $0.hasPrefix(officePrefix) }) { return false }
        if let district, !entry.node.offices.contains(where: { OfficeCode.district(of: $0) == district }) { return false }
        if let state, entry.state(nowMillis: nowMillis) != state { return false }
        return true
    }

    static func key(_ entry: FleetNode, _ now: Int64) -> (revoked: Bool, since: Int64) {
        (entry.node.revoked, entry.sinceSeen(nowMillis: now) ?? .max)
    }
}
