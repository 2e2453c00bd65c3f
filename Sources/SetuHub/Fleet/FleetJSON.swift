import SetuCore
import SetuProtocol

/// The fleet as JSON: one shape for `setu-hub nodes --json` and the admin
/// API (`docs/openapi.yaml`, FleetNode and FleetSummary).
public enum FleetJSON {
    public static func node(_ entry: FleetNode, nowMillis: Int64) -> JSONValue {
        func time(_ millis: Int64?) -> JSONValue { millis.map { .string(RFC3339.format(millis: $0)) } ?? .null }
        func int(_ n: Int?) -> JSONValue { n.map { .int(Int64($0)) } ?? .null }
        let activity = entry.activity
        let report = activity?.report
        return .object([
            ("id", .string(entry.node.id.rawValue)),
            ("name", entry.node.name.map { .string($0) } ?? .null),
            ("offices", .array(entry.node.offices.map { .string($0) })),
            ("state", .string(entry.state(nowMillis: nowMillis).rawValue)),
            ("problems", .array(entry.problems(nowMillis: nowMillis).map { .string($0) })),
            ("registered_at", time(entry.node.createdAtMillis)),
            ("first_seen_at", time(activity?.firstSeenMillis)),
            ("last_seen_at", time(activity?.lastSeenMillis)),
            ("last_seen_seconds_ago", entry.sinceSeen(nowMillis: nowMillis).map { .int($0 / 1000) } ?? .null),
            ("last_pull_at", time(activity?.lastPullMillis)),
            ("last_push_at", time(activity?.lastPushMillis)),
            ("lag", .int(Int64(entry.lag))),
            ("reported_at", time(activity?.reportMillis)),
            ("version", report.map { .string($0.version) } ?? .null),
            ("pending", int(report?.pending)),
            ("oldest_unsent_seconds", int(report?.oldestUnsentSeconds)),
            ("conflicts", int(report?.conflicts)),
            ("set_aside", int(report?.setAside)),
            ("oversold", int(report?.oversold)),
            ("clock_skew_seconds", int(report?.clockSkewSeconds)),
            ("last_error", report?.lastError.map { .string($0) } ?? .null),
        ])
    }

    public static func nodes(_ entries: [FleetNode], nowMillis: Int64) -> JSONValue {
        .object([("nodes", .array(entries.map { node($0, nowMillis: nowMillis) }))])
    }

    public static func summary(_ s: FleetSummary) -> JSONValue {
        func n(_ value: Int) -> JSONValue { .int(Int64(value)) }
        return .object([
            ("nodes", n(s.nodes)), ("revoked", n(s.revoked)),
            ("seen_within_hour", n(s.seenWithinHour)), ("seen_within_day", n(s.seenWithinDay)),
            ("seen_within_week", n(s.seenWithinWeek)), ("never_seen", n(s.neverSeen)),
            ("reporting_errors", n(s.reportingErrors)),
            ("pending", n(s.pending)), ("conflicts", n(s.conflicts)), ("set_aside", n(s.setAside)), ("lag", n(s.lag)),
            ("by_state", .object(FleetState.allCases.map { ($0.rawValue, n(s.byState[$0] ?? 0)) })),
            ("districts", .array(s.districts.map { d in .object([
                ("district", .string(d.name)), ("nodes", n(d.nodes)), ("stale", n(d.stale)), ("problems", n(d.problems)),
                ("pending", n(d.pending)), ("conflicts", n(d.conflicts)),
            ]) })),
        ])
    }
}
