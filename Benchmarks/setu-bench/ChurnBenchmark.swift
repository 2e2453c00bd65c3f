import Foundation
import GRDB
import Logging
import SetuCore
import SetuHub
import SetuProtocol
import SetuStore
import Synchronization

/// Issue 14's churn, before any purge: `records` services written by one
/// office, then updated 10 times each from 5 offices in rounds spread over
/// a simulated year, 5 % deleted in the last round; the five replicas and a
/// SQLite hub sync after every round (push, then pull, in pages). Prints
/// each file's size per live record against the same live rows in a plain
/// table, the tombstones every file still holds, and how long a fresh
/// office takes to bootstrap from the hub.
struct ChurnBenchmark {
    let records: Int
    let offices = 5
    let rounds = 10
    static let year: UInt64 = 365 * 86_400_000

    func run() async throws {
        let dir = MachineInfo.scratchDirectory()
        defer { MachineInfo.removeScratch(dir) }
        let clock = SimulatedClock(1_800_000_000_000)
        let storage = try SQLiteHubStorage(path: "\(dir)/hub.sqlite")
        try await storage.migrate()
        let service = SyncService(storage: storage, limits: SyncLimits(), metrics: HubMetrics(), now: clock.read)
        var nodes: [HubNode] = []
        var replicas: [Replica] = []
        for n in 0..<offices {
            let node = HubNode(id: NodeID(rawValue: "rupsha-0\(n + 1)")!, offices: ["upazila:rupsha"], createdAtMillis: 0, revoked: false)
            try await storage.addNode(node, tokenHash: NodeToken.generate(for: node.id).hash)
            nodes.append(node)
            replicas.append(try Replica(path: "\(dir)/office-\(n).sqlite", node: node.id, options: ReplicaOptions(now: clock.read)))
        }
        print("churn: \(records) services, \(rounds) updates each from \(offices) offices over a simulated year, 5 % deleted; "
            + "a SQLite hub, every office synced after each round")
        let started = DispatchTime.now().uptimeNanoseconds
        try replicas[0].batch { batch in
            for i in 0..<records { try batch.put("services", id: "s\(i)", StoreBenchmark.service(i)) }
        }
        try await syncAll(replicas, nodes, service)
        for round in 1...rounds {
            clock.advance(by: Self.year / UInt64(rounds))
            for (n, replica) in replicas.enumerated() {
                try replica.batch { batch in
                    for i in stride(from: (n - round % offices + offices) % offices, to: records, by: offices) {
                        if round == rounds, i % 20 == 0 {
                            try batch.delete("services", id: "s\(i)")
                        } else {
                            try batch.patch("services", id: "s\(i)", round % 2 == 0 ? ["fee": .text("\(round * 10) টাকা")] : ["time_limit": .text("\(round) কর্মদিবস")])
                        }
                    }
                }
            }
            try await syncAll(replicas, nodes, service)
        }
        let churnSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        print(String(format: "  %d writes and their syncs took %.1f s", records * (rounds + 1), churnSeconds))

        let live = records - records / 20
        let plain = try MetadataBenchmark(records: records).plainBaseline("services", from: "\(dir)/office-1.sqlite", to: "\(dir)/plain.sqlite")
        func perRecord(_ bytes: Int) -> String {
            String(format: "%d B/live record = %.2fx the rows", bytes / live, Double(bytes) / Double(plain))
        }
        print("  plain rows: \(plain / live) B/live record")
        for (n, replica) in replicas.enumerated() where n < 2 {
            let bytes = try MetadataBenchmark(records: records).vacuumedSize(replica.path, closing: replica)
            print("  office \(n + 1) replica: \(perRecord(bytes)); \(try tombstones(replica.path, table: "setu_records")) tombstones held")
        }
        try await service.recorder.flush()
        let hubBytes = try vacuum("\(dir)/hub.sqlite")
        print("  hub: \(perRecord(hubBytes)); \(try tombstones("\(dir)/hub.sqlite", table: "hub_records")) tombstones held")

        let fresh = try Replica(path: "\(dir)/fresh.sqlite", node: "rupsha-99", options: ReplicaOptions(now: clock.read))
        let freshNode = HubNode(id: "rupsha-99", offices: ["upazila:rupsha"], createdAtMillis: 0, revoked: false)
        let bootstrap = try await timed { try await pull(into: fresh, as: freshNode, service) }
        print(String(format: "  a fresh office bootstraps from the hub (pages of 500): %.2f s for %d records, %d of them tombstones",
                     bootstrap, records, records / 20))
        let freshBytes = try MetadataBenchmark(records: records).vacuumedSize(fresh.path, closing: fresh)
        print("  fresh office replica: \(perRecord(freshBytes))")

        // Every office syncs (acknowledging the deletions), the hub purges,
        // the offices apply the notices, and a second purge drops those.
        for n in 0..<2 { replicas[n] = try Replica(path: "\(dir)/office-\(n).sqlite", node: nodes[n].id, options: ReplicaOptions(now: clock.read)) }
        let purger = Purger(storage: storage, settings: PurgeSettings(), metrics: HubMetrics(), logger: Logger(label: "setu-bench"), now: clock.read)
        var purged = 0
        let purgeSeconds = try await timed {
            for _ in 0..<2 {
                for (replica, node) in zip(replicas, nodes) { try await pull(into: replica, as: node, service) }
                await service.recorder.flush()
                purged += try await purger.purgeOnce().outcome.purged
            }
        }
        print(String(format: "  after purge (%d tombstones purged; syncs and two purges took %.2f s):", purged, purgeSeconds))
        for (n, replica) in replicas.enumerated() where n < 2 {
            let bytes = try MetadataBenchmark(records: records).vacuumedSize(replica.path, closing: replica)
            print("  office \(n + 1) replica: \(perRecord(bytes)); \(try tombstones(replica.path, table: "setu_records")) tombstones held")
        }
        let hubAfter = try vacuum("\(dir)/hub.sqlite")
        print("  hub: \(perRecord(hubAfter)); \(try tombstones("\(dir)/hub.sqlite", table: "hub_records")) tombstones held")
        let later = try Replica(path: "\(dir)/fresh-after.sqlite", node: "rupsha-98", options: ReplicaOptions(now: clock.read))
        let laterNode = HubNode(id: "rupsha-98", offices: ["upazila:rupsha"], createdAtMillis: 0, revoked: false)
        let laterBootstrap = try await timed { try await pull(into: later, as: laterNode, service) }
        print(String(format: "  a fresh office bootstraps from the hub: %.2f s for %d live records, no tombstones", laterBootstrap, live))
        let laterBytes = try MetadataBenchmark(records: records).vacuumedSize(later.path, closing: later)
        print("  fresh office replica: \(perRecord(laterBytes))")
    }

    func syncAll(_ replicas: [Replica], _ nodes: [HubNode], _ service: SyncService) async throws {
        for (replica, node) in zip(replicas, nodes) { try await push(replica, as: node, service) }
        for (replica, node) in zip(replicas, nodes) { try await pull(into: replica, as: node, service) }
    }

    func push(_ replica: Replica, as node: HubNode, _ service: SyncService) async throws {
        while true {
            let page = try replica.feed(after: try replica.pushCursor(to: "hub"), limit: 500, for: "hub")
            if !page.entries.isEmpty {
                _ = try await service.push(PushRequest(records: page.entries.map(\.record)), from: node, logger: Logger(label: "setu-bench"))
            }
            guard page.lastSeq > (try replica.pushCursor(to: "hub")) else { return }
            try replica.acknowledgePush(to: "hub", upTo: page.lastSeq)
        }
    }

    func pull(into replica: Replica, as node: HubNode, _ service: SyncService) async throws {
        while let page = try await service.pull(for: node, cursor: try replica.pullCursor(from: "hub"), limit: "500", maxBytes: "4194304",
                                                appliesPurges: true) {
            try replica.apply(page.records, purged: page.purged, from: "hub", cursor: page.cursor)
            if !page.more { return }
        }
    }

    func tombstones(_ path: String, table: String) throws -> Int {
        try DatabaseQueue(path: path).read { db in
            var count = 0
            let rows = try Row.fetchCursor(db, sql: "SELECT state FROM \(table)")
            while let row = try rows.next() {
                let blob: Data = row["state"]
                if !blob.isEmpty, try StoredState.skeleton(Array(blob), in: db).state.isDeleted { count += 1 }
            }
            return count
        }
    }

    func vacuum(_ path: String) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        try queue.inDatabase { db in
            _ = try db.checkpoint(.truncate)
            try db.execute(sql: "VACUUM")
            _ = try db.checkpoint(.truncate)
        }
        return try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
    }
}

/// Milliseconds that move only when told: a year of churn in minutes.
final class SimulatedClock: Sendable {
    private let millis: Mutex<UInt64>

    init(_ start: UInt64) { millis = Mutex(start) }

    var read: @Sendable () -> UInt64 { { self.millis.withLock { $0 } } }

    func advance(by step: UInt64) { millis.withLock { $0 += step } }
}
