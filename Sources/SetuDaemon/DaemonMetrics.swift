import Foundation
import Prometheus

/// setud's `/metrics`, through swift-prometheus: every series with its
/// HELP and TYPE lines, filled from the status when scraped (the status is
/// the one source; nothing here counts on its own).
public final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let recordsIn, recordsOut, bytesIn, bytesOut: Counter
    let pending, conflicts, setAside, failures, replicaBytes, lastSuccess, skew, oldestUnsent: Gauge
    let states: [(DaemonStatus.State, Gauge)]

    public init() {
        recordsIn = Self.counter(registry, "setud_records_in_total", help: "Records pulled from the hub since setud started.")
        recordsOut = Self.counter(registry, "setud_records_out_total", help: "Records pushed to the hub since setud started.")
        bytesIn = Self.counter(registry, "setud_bytes_in_total", help: "Bytes received from the hub, headers included.")
        bytesOut = Self.counter(registry, "setud_bytes_out_total", help: "Bytes sent to the hub, headers included.")
        pending = Self.gauge(registry, "setud_pending_local_changes", help: "Local changes not yet acknowledged by the hub.")
        conflicts = Self.gauge(registry, "setud_open_conflicts", help: "Fields with concurrent values waiting for a person.")
        setAside = Self.gauge(registry, "setud_set_aside", help: "Writes set aside (refused by the hub or at capture); see setuctl rejects.")
        failures = Self.gauge(registry, "setud_consecutive_failures", help: "Syncs failed in a row.")
        replicaBytes = Self.gauge(registry, "setud_replica_bytes", help: "Size of the replica file and its WAL.")
        lastSuccess = Self.gauge(registry, "setud_last_successful_sync_timestamp_seconds",
                                         help: "Unix time of the last sync that completed; 0 before the first.")
        skew = Self.gauge(registry, "setud_clock_skew_seconds", help: "The hub's clock less this PC's, as last measured.")
        oldestUnsent = Self.gauge(registry, "setud_oldest_unsent_seconds", help: "Age of the oldest change not yet sent; 0 when none waits.")
        let all = DaemonStatus.State.allCases
        let registry = self.registry
        states = all.map { state in
            (state, Self.gauge(registry, "setud_state", labels: [("state", state.rawValue)], help: "1 for setud's current state, else 0."))
        }
    }

    /// A counter named exactly `name`: swift-prometheus's descriptor form,
    /// its unit already in the name.
    static func counter(_ registry: PrometheusCollectorRegistry, _ name: String, help: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
    }

    /// A gauge named exactly `name` (swift-prometheus's descriptor form,
    /// with no unit suffix added).
    static func gauge(_ registry: PrometheusCollectorRegistry, _ name: String, labels: [(String, String)] = [], help: String) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// The exposition text for `status`.
    public func render(_ status: DaemonStatus) -> [UInt8] {
        func set(_ counter: Counter, _ value: Int) {
            counter.reset()
            counter.increment(by: Int64(value))
        }
        set(recordsIn, status.recordsIn)
        set(recordsOut, status.recordsOut)
        set(bytesIn, status.bytesIn)
        set(bytesOut, status.bytesOut)
        pending.set(Int64(status.pendingLocalChanges))
        conflicts.set(Int64(status.openConflicts))
        setAside.set(Int64(status.setAside))
        failures.set(Int64(status.consecutiveFailures))
        replicaBytes.set(Int64(status.replicaBytes))
        lastSuccess.set(to: status.lastSyncAt.map { $0.timeIntervalSince1970.rounded() } ?? 0)
        skew.set(Int64(status.clockSkewSeconds ?? 0))
        oldestUnsent.set(Int64(status.oldestUnsentSeconds ?? 0))
        for (state, gauge) in states { gauge.set(to: state == status.state ? 1.0 : 0.0) }
        return registry.emitToBuffer()
    }
}
