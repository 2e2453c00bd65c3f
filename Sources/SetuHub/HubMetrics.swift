import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// The hub's Prometheus metrics, through swift-metrics with an explicit
/// factory (no process-global bootstrap, so several hubs can run in one
/// test process).
public final class HubMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let recordsIn: CoreMetrics.Counter
    let recordsOut: CoreMetrics.Counter
    let conflicts: CoreMetrics.Counter
    /// Sales recorded through integrations (repeated order ids not counted),
    /// and those that took a product's stock below zero.
    let sales: CoreMetrics.Counter
    let oversoldSales: CoreMetrics.Counter
    /// Tombstones purged, and nodes or integrations a purge found away past
    /// the horizon (those re-bootstrap when they come back).
    let tombstonesPurged: CoreMetrics.Counter
    let readersAway: CoreMetrics.Gauge

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        ]
        self.factory = factory
        recordsIn = CoreMetrics.Counter(label: "setu_hub_records_in_total", factory: factory)
        recordsOut = CoreMetrics.Counter(label: "setu_hub_records_out_total", factory: factory)
        conflicts = CoreMetrics.Counter(label: "setu_hub_conflicted_records_total", factory: factory)
        sales = CoreMetrics.Counter(label: "setu_hub_catalogue_sales_total", factory: factory)
        oversoldSales = CoreMetrics.Counter(label: "setu_hub_catalogue_oversold_sales_total", factory: factory)
        tombstonesPurged = CoreMetrics.Counter(label: "setu_hub_tombstones_purged_total", factory: factory)
        readersAway = CoreMetrics.Gauge(label: "setu_hub_readers_past_purge_horizon", factory: factory)
    }

    /// One answered request: counted by route and status, timed by route.
    func request(route: String, method: String, status: Int, nanoseconds: Int64) {
        CoreMetrics.Counter(label: "setu_hub_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            .increment()
        CoreMetrics.Timer(label: "setu_hub_request_duration_seconds", dimensions: [("route", route)], preferredDisplayUnit: .seconds, factory: factory)
            .recordNanoseconds(nanoseconds)
    }

    /// The fleet gauges, for alerting without a label per office: e.g.
    /// `setu_hub_nodes_not_seen{for="1d"} > 50` (never-seen nodes included).
    func record(_ fleet: FleetSummary) {
        func gauge(_ label: String, _ value: Int) { gauge(label, [], value) }
        func gauge(_ label: String, _ dimensions: [(String, String)], _ value: Int) {
            CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory).record(Double(value))
        }
        gauge("setu_hub_nodes_registered", fleet.nodes)
        for state in FleetState.allCases { gauge("setu_hub_nodes", [("state", state.rawValue)], fleet.byState[state] ?? 0) }
        gauge("setu_hub_nodes_not_seen", [("for", "1h")], fleet.nodes - fleet.seenWithinHour)
        gauge("setu_hub_nodes_not_seen", [("for", "1d")], fleet.nodes - fleet.seenWithinDay)
        gauge("setu_hub_nodes_not_seen", [("for", "7d")], fleet.nodes - fleet.seenWithinWeek)
        gauge("setu_hub_nodes_never_seen", fleet.neverSeen)
        gauge("setu_hub_nodes_reporting_errors", fleet.reportingErrors)
        gauge("setu_hub_fleet_pending_changes", fleet.pending)
        gauge("setu_hub_fleet_open_conflicts", fleet.conflicts)
        gauge("setu_hub_fleet_set_aside", fleet.setAside)
    }

    /// The Prometheus text exposition.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
