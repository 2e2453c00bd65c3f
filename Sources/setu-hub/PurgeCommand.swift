import ArgumentParser
import SetuHub

/// `setu-hub purge`: one tombstone purge now, as `serve` runs every
/// `[purge] interval_minutes`. Safe beside a running hub (SQLite and
/// PostgreSQL both take the feed's write lock for it).
struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Purge the tombstones every node and integration of their office has acknowledged, now.",
        discussion: """
            Nodes and integrations not seen for longer than [purge] horizon_days (180) hold nothing back; \
            when one comes back it re-bootstraps (setud does so by itself, keeping unsent changes).
            """)
    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let logger = HubRuntime.logger(level: config.logLevel)
        let now = try HubRuntime.clock()
        let report = try await HubRuntime.withStorage(config, logger: logger) { storage in
            try await Purger(storage: storage, settings: config.purge, metrics: HubMetrics(), logger: logger, now: now).purgeOnce()
        }
        let outcome = report.outcome
        print("purged \(outcome.purged) tombstones; dropped \(outcome.noticesDropped) purge notices every node had passed; "
            + "\(outcome.forgetsCleared) records no longer carry one")
        let held = report.plan.floors.filter { $0.value == 0 }.keys.sorted()
        if !held.isEmpty {
            print("held back (a node or integration there holds nothing of the feed yet, or runs a setud before purges): \(held.joined(separator: ", "))")
        }
        if !report.plan.away.isEmpty {
            print("away past the horizon (re-bootstrap when they come back): \(report.plan.away.joined(separator: ", "))")
        }
    }
}
