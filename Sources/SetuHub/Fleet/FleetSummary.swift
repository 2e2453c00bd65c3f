/// The fleet in a few numbers: the dashboard's summary and the metrics
/// Prometheus alerts on. None is per office (no label per office).
public struct FleetSummary: Hashable, Sendable {
    /// Registered and not revoked.
    public var nodes = 0
    public var revoked = 0
    /// Seen within the last hour, day and week (each includes the ones before).
    public var seenWithinHour = 0
    public var seenWithinDay = 0
    public var seenWithinWeek = 0
    public var neverSeen = 0
    /// Nodes whose last report names an error.
    public var reportingErrors = 0
    public var pending = 0
    public var conflicts = 0
    public var setAside = 0
    /// Records waiting in the feed for the nodes, summed.
    public var lag = 0
    public var byState: [FleetState: Int] = [:]
    /// One row per district, by name.
    public var districts: [District] = []

    public struct District: Hashable, Sendable {
        public let name: String
        public var nodes = 0
        /// Not seen for a day, or never.
        public var stale = 0
        public var problems = 0
        public var pending = 0
        public var conflicts = 0
    }

    public static let hourMillis: Int64 = 3_600_000
    public static let weekMillis: Int64 = 7 * 86_400_000

    /// Not seen for a day (the `stale` state's bound), never seen included.
    public var staleForDay: Int { nodes - seenWithinDay }

    public init(_ fleet: [FleetNode], nowMillis: Int64) {
        var districts: [String: District] = [:]
        for entry in fleet {
            let state = entry.state(nowMillis: nowMillis)
            byState[state, default: 0] += 1
            guard !entry.node.revoked else { revoked += 1; continue }
            nodes += 1
            let since = entry.sinceSeen(nowMillis: nowMillis)
            if since == nil { neverSeen += 1 }
            if let since, since < Self.hourMillis { seenWithinHour += 1 }
            if let since, since < FleetState.staleAfterMillis { seenWithinDay += 1 }
            if let since, since < Self.weekMillis { seenWithinWeek += 1 }
            let report = entry.activity?.report
            if report?.lastError != nil { reportingErrors += 1 }
            pending += report?.pending ?? 0
            conflicts += report?.conflicts ?? 0
            setAside += report?.setAside ?? 0
            lag += entry.lag
            for name in Set(entry.node.offices.map(OfficeCode.district(of:))) {
                var district = districts[name] ?? District(name: name)
                district.nodes += 1
                if since.map({ $0 >= FleetState.staleAfterMillis }) ?? true { district.stale += 1 }
                if state.isProblem { district.problems += 1 }
                district.pending += report?.pending ?? 0
                district.conflicts += report?.conflicts ?? 0
                districts[name] = district
            }
        }
        self.districts = districts.values.sorted { $0.name < $1.name }
    }
}
