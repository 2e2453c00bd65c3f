import SetuCore
import SetuHub
import SetuProtocol
import Testing

/// The fleet view's pure decisions: state, order, summary, times.
@Suite struct FleetStateTests {
    static let now: Int64 = 1_800_000_000_000
    static let minute: Int64 = 60_000
    static let day: Int64 = 86_400_000

    static func entry(_ id: String, seenAgo: Int64?, offices: [String] = ["upazila:khulna-rupsha"], report: NodeReport? = nil,
                      lag: Int = 0, revoked: Bool = false) -> FleetNode {
        let node = HubNode(id: NodeID(rawValue: id)!, offices: offices, createdAtMillis: 0, revoked: revoked)
        let activity = seenAgo.map {
            NodeActivity(node: node.id, firstSeenMillis: now - 30 * day, lastSeenMillis: now - $0, report: report, reportMillis: report == nil ? nil : now - $0)
        }
        return FleetNode(node: node, activity: activity, lag: lag)
    }

    static func report(pending: Int = 0, conflicts: Int = 0, setAside: Int = 0, oversold: Int = 0, skew: Int? = 0, error: String? = nil) -> NodeReport {
        NodeReport(version: "0.1.0", pending: pending, conflicts: conflicts, setAside: setAside, oversold: oversold, clockSkewSeconds: skew, lastError: error)
    }

    @Test func eachStateIsDecidedWorstFirst() {
        func state(_ e: FleetNode) -> FleetState { e.state(nowMillis: Self.now) }
        #expect(state(Self.entry("a", seenAgo: nil)) == .never)
        #expect(state(Self.entry("a", seenAgo: 2 * Self.minute, revoked: true)) == .revoked)
        #expect(state(Self.entry("a", seenAgo: Self.day, report: Self.report(error: "disk full"))) == .stale)
        #expect(state(Self.entry("a", seenAgo: Self.minute, report: Self.report(setAside: 2, error: "disk full"))) == .error)
        #expect(state(Self.entry("a", seenAgo: Self.minute, report: Self.report(setAside: 2, skew: 90_000_000))) == .attention)
        #expect(state(Self.entry("a", seenAgo: Self.minute, report: Self.report(oversold: 1, skew: 90_000_000))) == .attention)
        #expect(Self.entry("a", seenAgo: Self.minute, report: Self.report(oversold: 1)).problems(nowMillis: Self.now)
                    == ["1 product sold past zero (online and over the counter); on the office PC: setuctl conflicts, then restock or set the counted stock"])
        #expect(state(Self.entry("a", seenAgo: Self.minute, report: Self.report(skew: -3_601))) == .clockSkew)
        #expect(state(Self.entry("a", seenAgo: Self.minute, report: Self.report(skew: 3_600), lag: 3)) == .behind)
        #expect(state(Self.entry("a", seenAgo: Self.minute, report: Self.report(conflicts: 4))) == .ok)
    }

    @Test func theStalestComeFirstNeverSeenBeforeLongUnseenAndRevokedLast() {
        let fleet = [
            Self.entry("fresh", seenAgo: Self.minute), Self.entry("gone", seenAgo: 9 * Self.day, revoked: true),
            Self.entry("week", seenAgo: 7 * Self.day), Self.entry("b-never", seenAgo: nil), Self.entry("a-never", seenAgo: nil),
            Self.entry("hour", seenAgo: 60 * Self.minute),
        ]
        #expect(FleetQuery().apply(to: fleet, nowMillis: Self.now).map(\.node.id.rawValue) == ["a-never", "b-never", "week", "hour", "fresh", "gone"])
    }

    @Test func filtersSelectByStalenessOfficePrefixDistrictAndState() {
        let fleet = [
            Self.entry("rupsha", seenAgo: 2 * Self.day, offices: ["upazila:khulna-rupsha"]),
            Self.entry("khulna-dc", seenAgo: Self.minute, offices: ["district:khulna"]),
            Self.entry("jessore-dc", seenAgo: nil, offices: ["district:jessore"]),
        ]
        func ids(_ q: FleetQuery) -> [String] { q.apply(to: fleet, nowMillis: Self.now).map(\.node.id.rawValue) }
        #expect(ids(FleetQuery(staleForMillis: Self.day)) == ["jessore-dc", "rupsha"])
        #expect(ids(FleetQuery(officePrefix: "district:")) == ["jessore-dc", "khulna-dc"])
        #expect(ids(FleetQuery(officePrefix: "district:khulna")) == ["khulna-dc"])
        #expect(ids(FleetQuery(district: "khulna")) == ["rupsha", "khulna-dc"])
        #expect(ids(FleetQuery(state: .never)) == ["jessore-dc"])
    }

    @Test func theSummaryCountsSyncedWithinHourDayWeekAndTotalsWithoutALabelPerOffice() {
        let fleet = [
            Self.entry("a", seenAgo: Self.minute, report: Self.report(pending: 3, conflicts: 1)),
            Self.entry("b", seenAgo: 2 * 60 * Self.minute, offices: ["district:khulna"], report: Self.report(setAside: 2, error: "boom")),
            Self.entry("c", seenAgo: 3 * Self.day, offices: ["district:jessore"], report: Self.report(pending: 10)),
            Self.entry("d", seenAgo: nil, offices: ["union:khulna-rupsha-aichgati"]),
            Self.entry("e", seenAgo: Self.minute, revoked: true),
        ]
        let s = FleetSummary(fleet, nowMillis: Self.now)
        #expect((s.nodes, s.revoked, s.seenWithinHour, s.seenWithinDay, s.seenWithinWeek, s.neverSeen) == (4, 1, 1, 2, 3, 1))
        #expect((s.pending, s.conflicts, s.setAside, s.reportingErrors, s.staleForDay) == (13, 1, 2, 1, 2))
        #expect(s.districts.map(\.name) == ["jessore", "khulna"])
        let khulna = s.districts[1]
        #expect((khulna.nodes, khulna.stale, khulna.problems, khulna.pending) == (3, 1, 2, 3))
    }

    @Test func timesReadAsAPersonSaysThem() {
        #expect(RelativeTime.ago(millis: nil) == "never")
        #expect(RelativeTime.ago(millis: 20_000) == "just now")
        #expect(RelativeTime.ago(millis: 3 * Self.minute) == "3 min ago")
        #expect(RelativeTime.ago(millis: 5 * 60 * Self.minute) == "5 h ago")
        #expect(RelativeTime.ago(millis: 9 * Self.day) == "9 days ago")
        #expect(RelativeTime.span(seconds: 3 * 365 * 86_400) == "3 years")
        #expect(RelativeTime.parseDuration("24h") == Self.day)
        #expect(RelativeTime.parseDuration("৭d") == 7 * Self.day)
        #expect(RelativeTime.parseDuration("90m") == 90 * Self.minute)
        for bad in ["", "h", "24", "-1h", "1.5h", "24 hours", " 24h", "1234567890d", "৭ d", "99999999999999999d"] { #expect(RelativeTime.parseDuration(bad) == nil, "\(bad)") }
    }

    @Test func anOfficesDistrictIsItsNameUpToTheFirstDash() {
        #expect(OfficeCode.district(of: "district:khulna") == "khulna")
        #expect(OfficeCode.district(of: "upazila:khulna-rupsha") == "khulna")
        #expect(OfficeCode.district(of: "upazila:rupsha") == "rupsha")
        #expect(OfficeCode.district(of: "all:bangladesh") == "all")
    }

    @Test func foldingActivityIsOrderFree() {
        let a = NodeActivity.pull("n", at: 100, cursor: 7, report: Self.report(pending: 1))
        let b = NodeActivity.push("n", at: 200)
        let c = NodeActivity.pull("n", at: 300, cursor: 9, report: nil)
        let d = NodeActivity.seen("n", at: 50)
        let orders = [[a, b, c, d], [d, c, b, a], [c, a, d, b], [b, d, a, c]]
        let folded = orders.map { order in order.dropFirst().reduce(into: order[0]) { $0.absorb($1) } }
        #expect(Set(folded).count == 1)
        let f = folded[0]
        #expect((f.firstSeenMillis, f.lastSeenMillis, f.lastPullMillis, f.lastPushMillis, f.pullCursor, f.reportMillis) == (50, 300, 300, 200, 9, 100))
        #expect(f.report?.pending == 1)
    }
}
