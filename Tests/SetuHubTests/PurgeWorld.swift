import Foundation
import HummingbirdTesting
import Logging
import SetuCore
import SetuHub
import SetuStore
import SetuSync
import SetuTestSupport
import SetuTransport

/// Offices syncing with one hub through its real router (the real
/// `SyncEngine`), and the hub's purger, for the purge tests.
final class PurgeWorld: @unchecked Sendable {
    static let office = "upazila:rupsha"
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-purgeworld-\(UUID().uuidString)")
    let harness: HubHarness
    let purger: Purger
    var replicas: [Replica] = []
    var engines: [SyncEngine] = []
    /// Warnings only: hundreds of generated cases would bury a failure
    /// under notices in CI's log.
    let logger: Logger = {
        var logger = Logger(label: "purge-world")
        logger.logLevel = .warning
        return logger
    }()

    /// `nodes` offices serving one upazila; a node is away past the
    /// horizon once the hub's clock moves `horizonDays` past its last sync.
    init(harness: HubHarness, client: any TestClientProtocol, nodes: Int, horizonDays: Int = 10) async throws {
        self.harness = harness
        var settings = PurgeSettings()
        settings.horizonMillis = Int64(horizonDays) * 86_400_000
        purger = Purger(storage: harness.storage, settings: settings, metrics: harness.metrics, logger: logger, now: { [clock = harness.clock] in clock.now })
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for i in 0..<nodes {
            let node = NodeID(rawValue: "n\(i)")!
            let path = dir.appendingPathComponent("n\(i).sqlite").path
            try ReplicaTemplate.write(to: path, node: node, schema: .current)
            let replica = try Replica(path: path, node: node)
            let token = try await harness.addNode(node, offices: [Self.office])
            replicas.append(replica)
            engines.append(SyncEngine(replica: replica, client: HubClient(transport: RouterTransport(client: client), token: token), pageRecords: 3,
                                      logger: logger))
        }
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    @discardableResult
    func put(_ i: Int, _ id: String, _ name: String) throws -> WriteReceipt {
        try replicas[i].put("services", id: id, ["office": .text(Self.office), "section": .text("citizen"), "serial": .int(1), "name": .text(name)])
    }

    @discardableResult
    func sync(_ i: Int) async throws -> SyncReport { try await engines[i].syncOnce() }

    /// One purge, with what the hub saw of every node written first.
    func purge() async throws -> Purger.Report {
        await harness.service.recorder.flush()
        return try await purger.purgeOnce()
    }

    /// Every office syncs until nothing moves.
    func settle() async throws {
        for _ in 0..<3 {
            for engine in engines { _ = try await engine.syncOnce() }
        }
    }

    /// The hub's states in the offices' scope, as `Replica.stateDump` writes
    /// a replica's: what it purged is in no replica either, once all synced.
    func hubStateDump() async throws -> String {
        let rows = try await harness.storage.feed(offices: [Self.office], after: 0, limit: 10_000)
        return rows.filter { !$0.isPurgeNotice }.map { row in
            "state \(row.key.collection) \(row.key.id) \(Hex.encode(row.encodedState))\n"
        }.sorted().joined()
    }

    /// The record's state on replica `i`, or nil when it holds none.
    func state(_ i: Int, _ id: String) throws -> RecordState? {
        try replicas[i].record("services", id: id)?.state
    }
}
