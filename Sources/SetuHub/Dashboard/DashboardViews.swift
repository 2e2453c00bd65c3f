import SetuCore

/// What each dashboard page shows, as the values its template reads: pure
/// functions of the fleet, so a test can check them without a browser.
enum DashboardViews {
    /// Rows the summary page lists (the stalest) and a list page holds.
    static let summaryRows = 25
    static let pageRows = 100

    static func common(title: String, admin: String?, nowMillis: Int64) -> [String: Any] {
        var context: [String: Any] = ["title": title, "version": SetuVersion.current, "generatedAt": RFC3339.format(millis: nowMillis)]
        if let admin { context["admin"] = admin }
        return context
    }

    static func rows(_ entries: some Sequence<FleetNode>, nowMillis: Int64) -> [[String: Any]] {
        entries.map { entry in
            let row = FleetRow(entry, nowMillis: nowMillis)
            return ["node": row.node, "name": row.name, "offices": row.offices, "lastSeen": row.lastSeen, "lag": row.lag, "pending": row.pending,
                    "oldestUnsent": row.oldestUnsent, "conflicts": row.conflicts, "setAside": row.setAside, "version": row.version,
                    "skew": row.skew, "state": row.state]
        }
    }

    static func summary(_ s: FleetSummary, stalest: [FleetNode], admin: String, nowMillis: Int64) -> [String: Any] {
        var context = common(title: "Fleet", admin: admin, nowMillis: nowMillis)
        let cards: [(String, String, Int)] = [
            ("nodes", "offices registered", s.nodes), ("hour", "synced in the last hour", s.seenWithinHour),
            ("day", "synced in the last day", s.seenWithinDay), ("week", "synced in the last week", s.seenWithinWeek),
            ("never", "never synced", s.neverSeen), ("errors", "reporting errors", s.reportingErrors),
            ("pending", "changes pending at offices", s.pending), ("conflicts", "open conflicts", s.conflicts),
            ("set_aside", "writes set aside", s.setAside),
        ]
        context["cards"] = cards.map { ["key": $0.0, "label": $0.1, "value": String($0.2)] }
        context["rows"] = rows(stalest.prefix(summaryRows), nowMillis: nowMillis)
        context["total"] = String(s.nodes + s.revoked)
        context["districts"] = s.districts.map {
            ["name": $0.name, "nodes": String($0.nodes), "stale": String($0.stale), "problems": String($0.problems),
             "pending": String($0.pending), "conflicts": String($0.conflicts)]
        }
        return context
    }

    /// One page of a filtered list; `link(page)` makes the URL of another page.
    static func nodes(_ matching: [FleetNode], query: FleetQuery, filters: [String: String], page: Int, admin: String, nowMillis: Int64,
                      link: (Int) -> String) -> [String: Any] {
        var context = common(title: "Offices", admin: admin, nowMillis: nowMillis)
        let pages = max(1, (matching.count + pageRows - 1) / pageRows)
        let page = min(max(1, page), pages)
        let slice = matching.dropFirst((page - 1) * pageRows).prefix(pageRows)
        context["heading"] = filters.values.contains { !$0.isEmpty } ? "Offices matching" : "All offices"
        context["count"] = String(matching.count)
        if pages > 1 { context["pageInfo"] = "page \(page) of \(pages)" }
        if page > 1 { context["previous"] = link(page - 1) }
        if page < pages { context["next"] = link(page + 1) }
        context["rows"] = rows(slice, nowMillis: nowMillis)
        for (key, value) in filters { context[key] = value }
        context["states"] = FleetState.allCases.map { ["name": $0.rawValue, "selected": $0 == query.state] }
        return context
    }

    static func node(_ entry: FleetNode, admin: String, nowMillis: Int64) -> [String: Any] {
        var context = common(title: entry.node.id.rawValue, admin: admin, nowMillis: nowMillis)
        let row = FleetRow(entry, nowMillis: nowMillis)
        let activity = entry.activity
        let report = activity?.report
        func time(_ millis: Int64?) -> String {
            millis.map { "\(RFC3339.format(millis: $0)) (\(RelativeTime.ago(millis: max(0, nowMillis - $0))))" } ?? "never"
        }
        let facts: [(String, String, String)] = [
            ("state", "State", row.state), ("offices", "Offices", entry.node.offices.joined(separator: ", ")),
            ("registered", "Registered", time(entry.node.createdAtMillis)),
            ("first_seen", "First seen", time(activity?.firstSeenMillis)), ("last_seen", "Last seen", time(activity?.lastSeenMillis)),
            ("last_pull", "Last pull", time(activity?.lastPullMillis)), ("last_push", "Last push", time(activity?.lastPushMillis)),
            ("lag", "Records waiting for it at the hub", row.lag), ("reported", "Last report", time(activity?.reportMillis)),
            ("version", "setud version", row.version), ("pending", "Changes not yet sent (at its last report)", row.pending),
            ("oldest_unsent", "Oldest unsent change", row.oldestUnsent), ("conflicts", "Open conflicts", row.conflicts),
            ("set_aside", "Writes set aside", row.setAside), ("skew", "PC clock", row.skew),
            ("last_error", "Last error", report?.lastError ?? "none"),
        ]
        context["node"] = row.node
        context["name"] = row.name
        context["facts"] = facts.map { ["key": $0.0, "label": $0.1, "value": $0.2] }
        let problems = entry.problems(nowMillis: nowMillis)
        context["problems"] = problems
        context["hasProblems"] = !problems.isEmpty
        return context
    }

    static func login(message: String?, nowMillis: Int64) -> [String: Any] {
        var context = common(title: "Sign in", admin: nil, nowMillis: nowMillis)
        if let message { context["message"] = message }
        return context
    }
}
