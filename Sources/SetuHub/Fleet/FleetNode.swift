import SetuCore

/// One registered node as the fleet view shows it: what the hub holds of
/// it, what it last saw of it, and how far behind the feed it is.
public struct FleetNode: Hashable, Sendable {
    public let node: HubNode
    /// Nil for a node that has never been seen.
    public let activity: NodeActivity?
    /// Records in the node's offices (and national ones) the hub has not
    /// sent it yet, not counting its own writes.
    public let lag: Int

    public init(node: HubNode, activity: NodeActivity?, lag: Int) {
        self.node = node
        self.activity = activity
        self.lag = lag
    }

    /// Milliseconds since the node was last seen; nil if never.
    public func sinceSeen(nowMillis: Int64) -> Int64? {
        activity.map { max(0, nowMillis - $0.lastSeenMillis) }
    }

    public func state(nowMillis: Int64) -> FleetState { FleetState(self, nowMillis: nowMillis) }

    /// What is wrong there, one sentence each with what to do, worst first;
    /// empty for a node that is fine.
    public func problems(nowMillis: Int64) -> [String] {
        if node.revoked { return ["revoked; setu-hub node reactivate \(node.id) gives it a new token"] }
        guard let activity else {
            return ["never synced; check that setud runs there with this node's token (setuctl status on the office PC)"]
        }
        var out: [String] = []
        let since = nowMillis - activity.lastSeenMillis
        if since >= FleetState.staleAfterMillis {
            out.append("not seen for \(RelativeTime.span(seconds: since / 1000)); the office is offline or setud is not running")
        }
        guard let report = activity.report else { return out }
        if let error = report.lastError { out.append("last error: \(error)") }
        if report.setAside > 0 {
            out.append("\(report.setAside) writes set aside; on the office PC: setuctl rejects")
        }
        if report.oversold > 0 {
            out.append("\(report.oversold == 1 ? "1 product" : "\(report.oversold) products") sold past zero (online and over the counter); "
                + "on the office PC: setuctl conflicts, then restock or set the counted stock")
        }
        if let skew = report.clockSkewSeconds, abs(skew) > FleetState.skewBoundSeconds {
            let way = skew > 0 ? "behind" : "ahead of"
            out.append("PC clock \(RelativeTime.span(seconds: Int64(abs(skew)))) \(way) the hub's; timedatectl set-ntp true, or the BIOS battery")
        }
        if report.conflicts > 0 { out.append("\(report.conflicts) open conflicts; setuctl conflicts") }
        return out
    }
}
