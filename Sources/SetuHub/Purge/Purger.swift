import Logging
import ServiceLifecycle
import SetuCore

/// Purges tombstones every node and integration of their office has
/// acknowledged (DESIGN §5, tombstone purge): the inputs from storage, the decision by
/// `PurgePlan`, the work by `HubStorage.purge` in one transaction.
/// Run as a service by `setu-hub serve`, or once by `setu-hub purge`.
public struct Purger: Service {
    public let storage: any HubStorage
    public let settings: PurgeSettings
    let metrics: HubMetrics
    let logger: Logger
    let now: @Sendable () -> UInt64

    public init(storage: any HubStorage, settings: PurgeSettings, metrics: HubMetrics, logger: Logger, now: @escaping @Sendable () -> UInt64) {
        self.storage = storage
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    /// What one purge found and did.
    public struct Report: Sendable {
        public let plan: PurgePlan
        public let outcome: PurgeOutcome
    }

    /// One purge, now.
    public func purgeOnce() async throws -> Report {
        let offices = try await storage.purgeCandidates()
        let plan = PurgePlan(offices: offices, readers: try await readers(), nowMillis: Int64(now()), horizonMillis: settings.horizonMillis)
        let outcome = offices.isEmpty ? PurgeOutcome() : try await storage.purge(floors: plan.floors)
        metrics.tombstonesPurged.increment(by: outcome.purged)
        metrics.readersAway.record(plan.away.count)
        if outcome.changed || !plan.away.isEmpty {
            logger.notice("tombstones purged", metadata: [
                "setu.purged": "\(outcome.purged)", "setu.notices_dropped": "\(outcome.noticesDropped)",
                "setu.forgets_cleared": "\(outcome.forgetsCleared)", "setu.offices": "\(offices.count)",
                "setu.away": "\(plan.away.prefix(20).joined(separator: ","))\(plan.away.count > 20 ? ",…" : "")",
            ])
        }
        return Report(plan: plan, outcome: outcome)
    }

    /// Every node and reading integration, with what it holds and when it
    /// was last seen (its registration, when never).
    func readers() async throws -> [PurgePlan.Reader] {
        let nodes = try await storage.fleet(lag: false).filter { !$0.node.revoked }.map { entry in
            PurgePlan.Reader(name: entry.node.id.rawValue, offices: entry.node.offices, acknowledged: entry.activity?.acknowledgedCursor ?? 0,
                             lastSeenMillis: entry.activity?.lastSeenMillis ?? entry.node.createdAtMillis)
        }
        let reads = try await storage.catalogueReads()
        let integrations = try await storage.integrations().filter { $0.canRead && !$0.revoked }.map { integration in
            PurgePlan.Reader(name: HubIntegration.nodePrefix + integration.name, offices: integration.offices,
                             acknowledged: reads[integration.name]?.cursor ?? 0,
                             lastSeenMillis: reads[integration.name]?.atMillis ?? integration.createdAtMillis)
        }
        return nodes + integrations
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.interval) }
            guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
            do {
                _ = try await purgeOnce()
            } catch {
                logger.error("tombstone purge failed; tried again at the next interval", metadata: ["setu.error": "\(error)"])
            }
        }
    }
}
