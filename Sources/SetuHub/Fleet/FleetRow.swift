/// One node as the columns of a table a person reads: the same words in
/// `setu-hub nodes` and on the dashboard.
public struct FleetRow: Hashable, Sendable {
    public let node: String
    public let name: String
    public let offices: String
    public let lastSeen: String
    public let lag: String
    public let pending: String
    public let oldestUnsent: String
    public let conflicts: String
    public let setAside: String
    public let version: String
    public let skew: String
    public let state: String

    public static let headers = ["NODE", "OFFICES", "LAST SEEN", "LAG", "PENDING", "OLDEST UNSENT", "CONFLICTS", "SET ASIDE", "VERSION", "SKEW", "STATE"]

    public init(_ entry: FleetNode, nowMillis: Int64) {
        let report = entry.activity?.report
        node = entry.node.id.rawValue
        name = entry.node.name ?? ""
        offices = entry.node.offices.joined(separator: ",")
        lastSeen = RelativeTime.ago(millis: entry.sinceSeen(nowMillis: nowMillis))
        lag = entry.activity == nil && entry.lag == 0 ? "-" : String(entry.lag)
        pending = report.map { String($0.pending) } ?? "-"
        oldestUnsent = report?.oldestUnsentSeconds.map { RelativeTime.span(seconds: Int64($0)) } ?? "-"
        conflicts = report.map { String($0.conflicts) } ?? "-"
        setAside = report.map { String($0.setAside) } ?? "-"
        version = report?.version ?? "-"
        skew = report?.clockSkewSeconds.map(Self.skew) ?? "-"
        state = entry.state(nowMillis: nowMillis).rawValue
    }

    /// The PC clock against the hub's: the skew is hub less PC, so a
    /// positive skew is a PC clock behind.
    static func skew(_ seconds: Int) -> String {
        guard abs(seconds) >= 2 else { return "0 s" }
        return "\(RelativeTime.span(seconds: Int64(abs(seconds)))) \(seconds > 0 ? "behind" : "ahead")"
    }

    public var columns: [String] { [node, offices, lastSeen, lag, pending, oldestUnsent, conflicts, setAside, version, skew, state] }

    /// Left-aligned columns padded to their widest cell, two spaces apart.
    public static func table(_ rows: [FleetRow]) -> String {
        let cells = [headers] + rows.map(\.columns)
        var widths = [Int](repeating: 0, count: headers.count)
        for row in cells { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return cells.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
