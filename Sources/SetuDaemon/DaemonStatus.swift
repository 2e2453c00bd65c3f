import Foundation
import SetuCore
import SetuProtocol
import SetuStore
import SetuSync

/// The daemon's state as `GET /v1/status` shows it.
public struct DaemonStatus: Sendable {
    /// `attention`: syncing works, but something waits for a person (writes
    /// set aside, products oversold); never shown as plain `idle`. `clock_skew`: this PC's
    /// clock is off from the hub's by more than the bound; Setu stamps by
    /// the hub's time meanwhile, but the clock wants fixing. `warnings` says
    /// what and how, for every state.
    public enum State: String, Sendable, CaseIterable { case starting, idle, syncing, offline, error, attention, clockSkew = "clock_skew" }

    public var node: String
    public var version: String
    public var startedAt: Date
    public var state: State = .starting
    public var lastSyncAt: Date?
    public var lastResult: String = "never synced"
    public var lastError: String?
    public var recordsIn = 0
    public var recordsOut = 0
    public var bytesIn = 0
    public var bytesOut = 0
    public var nextSyncAt: Date?
    public var consecutiveFailures = 0
    public var clockSkewSeconds: Int?
    /// Why local writes fail (a full disk), until a write works again.
    public var localWriteError: String?
    /// Why outside SQL writes cannot be stamped (a row changed while the
    /// capture triggers were missing, into values Setu refuses), until a
    /// stamp works again. The replica's own writes stop meanwhile, so this
    /// is an error between syncs too, not only when the next sync fails.
    public var stampError: String?
    /// What needs a person, each with its fix; filled in when read.
    public var warnings: [String] = []
    /// What the sync in flight has done so far (for `sync --wait`'s
    /// progress line); nil between syncs.
    public var inFlight: SyncReport?
    /// Filled in when the status is read.
    public var pendingLocalChanges = 0
    public var openConflicts = 0
    public var setAside = 0
    /// Products whose stock is below zero.
    public var oversold = 0
    /// Age of the oldest change not yet sent to the hub; nil when none waits.
    public var oldestUnsentSeconds: Int?
    public var replicaBytes = 0
    /// Sync by files: the last bundle exported here, the last answer taken in.
    public var lastBundleOut: BundleMark?
    public var lastAnswerIn: BundleMark?
    /// States a re-bootstrap (the hub's 410) has still to pull again.
    public var rebootstrapPending = 0
    /// The hub said it holds another signing key for this node.
    public var nodeKeyMismatch = false
    /// The schema version this setud speaks, and the hub's as last heard.
    public var schema: Int
    public var hubSchema: Int?

    public init(node: String, version: String, startedAt: Date, schema: Int = Schema.current.version) {
        self.node = node
        self.version = version
        self.startedAt = startedAt
        self.schema = schema
    }

    public var json: JSONValue {
        // Whole seconds, as status shows them; SetuCore's formatter, not a
        // Foundation formatter built on every call.
        func time(_ date: Date?) -> JSONValue { date.map { .string(RFC3339.format(millis: Int64($0.timeIntervalSince1970) * 1000)) } ?? .null }
        func mark(_ mark: BundleMark?) -> JSONValue {
            mark.map { .object([("seq", .int($0.seq)), ("at", .string(RFC3339.format(millis: $0.atMillis / 1000 * 1000)))]) } ?? .null
        }
        let rebootstrap: (key: String, value: JSONValue) = ("rebootstrap_pending", .int(Int64(rebootstrapPending)))
        let stamp: (key: String, value: JSONValue) = ("stamp_error", stampError.map { .string($0) } ?? .null)
        return .object([
            ("node", .string(node)), ("version", .string(version)),
            ("schema", .int(Int64(schema))), ("hub_schema", hubSchema.map { .int(Int64($0)) } ?? .null),
            ("uptime_seconds", .int(Int64(Date().timeIntervalSince(startedAt)))),
            ("state", .string(state.rawValue)),
            ("last_sync_at", time(lastSyncAt)), ("last_result", .string(lastResult)),
            ("last_error", lastError.map { .string($0) } ?? .null),
            ("records_in", .int(Int64(recordsIn))), ("records_out", .int(Int64(recordsOut))),
            ("bytes_in", .int(Int64(bytesIn))), ("bytes_out", .int(Int64(bytesOut))),
            ("next_sync_at", time(nextSyncAt)), ("consecutive_failures", .int(Int64(consecutiveFailures))),
            ("pending_local_changes", .int(Int64(pendingLocalChanges))), ("open_conflicts", .int(Int64(openConflicts))),
            ("set_aside", .int(Int64(setAside))), ("oversold", .int(Int64(oversold))), rebootstrap,
            ("oldest_unsent_seconds", oldestUnsentSeconds.map { .int(Int64($0)) } ?? .null),
            ("clock_skew_seconds", clockSkewSeconds.map { .int(Int64($0)) } ?? .null),
            ("replica_bytes", .int(Int64(replicaBytes))),
            ("last_bundle_out", mark(lastBundleOut)), ("last_answer_in", mark(lastAnswerIn)),
            ("local_write_error", localWriteError.map { .string($0) } ?? .null),
            stamp,
            ("warnings", .array(warnings.map { .string($0) })),
            ("sync_in_flight", inFlight.map { report in .object([
                ("pages", .int(Int64(report.pages))), ("records_in", .int(Int64(report.pulledRecords))),
                ("records_out", .int(Int64(report.pushedRecords))), ("bytes_in", .int(Int64(report.bytesIn))),
                ("bytes_out", .int(Int64(report.bytesOut))),
            ]) } ?? .null),
        ])
    }

    /// "1 product", "3 products".
    static func products(_ count: Int) -> String { count == 1 ? "1 product" : "\(count) products" }

    /// A line a person can read in `systemctl status`: "synced 2 min ago, 0 pending".
    public var summary: String {
        var parts: [String] = []
        switch state {
        case .starting: parts.append("starting")
        case .syncing: parts.append("syncing")
        case .offline: parts.append("offline (\(lastError ?? "hub unreachable"))")
        case .error: parts.append(localWriteError ?? stampError ?? "sync failing: \(lastError ?? "unknown error")")
        case .clockSkew: parts.append("clock off by \(clockSkewSeconds ?? 0) s from the hub; fix the PC's clock")
        case .attention:
            var needs: [String] = []
            if setAside > 0 { needs.append("\(setAside) writes set aside; see setuctl rejects") }
            if oversold > 0 { needs.append("\(Self.products(oversold)) oversold; see setuctl conflicts") }
            if nodeKeyMismatch { needs.append("the hub holds another signing key for this node; bundles from here are refused") }
            if rebootstrapPending > 0 { needs.append("re-bootstrap under way, \(rebootstrapPending) records still to pull again") }
            parts.append("attention: " + needs.joined(separator: "; "))
        case .idle:
            if let last = lastSyncAt {
                let minutes = Int(Date().timeIntervalSince(last) / 60)
                parts.append(minutes == 0 ? "synced just now" : "synced \(minutes) min ago")
            } else {
                parts.append("not synced yet")
            }
        }
        parts.append("\(pendingLocalChanges) pending")
        if openConflicts > 0 { parts.append("\(openConflicts) conflicts") }
        return parts.joined(separator: ", ")
    }
}
