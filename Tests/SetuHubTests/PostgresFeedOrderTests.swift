import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import SetuCore
@testable import SetuHub
import SetuProtocol
import SetuTestSupport
import Testing

/// On PostgreSQL, transactions commit in any order; a feed cursor must still
/// never skip a change that commits after a later one became visible.
/// Concurrent pushers and a puller that follows its cursor the whole time:
/// the puller must see every record.
@Suite struct PostgresFeedOrderTests {
    static let pushers = 8
    static let batchesPerPusher = 15
    static let batchSize = 40

    static func batch(_ pusher: Int, _ n: Int, now: UInt64) -> PushRequest {
        let node = NodeID(rawValue: "pusher-\(pusher)")!
        return PushRequest(records: (0..<batchSize).map { i in
            var state = RecordState()
            let values = try! Collections.services.validate([
                "office": .text("upazila:o\(pusher)"), "section": .text("citizen"), "serial": .int(Int64(i + 1)), "name": .text("সেবা \(n)-\(i)"),
            ], mode: .whole).values
            state.write(values, dot: Dot(node: node, time: HLCTimestamp(physicalMillis: now, logical: UInt64(n))))
            return ReplicatedRecord(collection: "services", id: "p\(pusher)-b\(n)-r\(i)", state: state)
        })
    }

    static var allOffices: [String] { (0..<pushers).map { "upazila:o\($0)" } }
    static var expected: Set<String> {
        Set((0..<pushers).flatMap { p in (0..<batchesPerPusher).flatMap { b in (0..<batchSize).map { "p\(p)-b\(b)-r\($0)" } } })
    }

    @Test func concurrentPushersNeverMakeAPullerSkipALateCommit() async throws {
        try await HubHarness.with(.postgres) { hub in
            let puller = HubNode(id: "puller", offices: Self.allOffices, createdAtMillis: 0, revoked: false)
            let seen = try await withThrowingTaskGroup(of: Set<String>?.self) { group in
                for p in 0..<Self.pushers {
                    group.addTask {
                        let node = HubNode(id: NodeID(rawValue: "pusher-\(p)")!, offices: ["upazila:o\(p)"], createdAtMillis: 0, revoked: false)
                        for b in 0..<Self.batchesPerPusher {
                            _ = try await hub.service.push(Self.batch(p, b, now: hub.clock.now), from: node, logger: Logger(label: "t"))
                        }
                        return nil
                    }
                }
                group.addTask {
                    try await Self.follow { cursor in try await hub.service.pull(for: puller, cursor: cursor, limit: "100", maxBytes: nil) }
                }
                var seen = Set<String>()
                for try await result in group { if let result { seen = result } }
                return seen
            }
            #expect(seen == Self.expected, "missed \(Self.expected.subtracting(seen).count) records")
        }
    }

    /// Pulls while pushes run, then until the feed is drained; returns every id seen.
    static func follow(_ pull: @Sendable (String) async throws -> PullResponse?) async throws -> Set<String> {
        var cursor = ""
        var seen = Set<String>()
        var idleRounds = 0
        while idleRounds < 40 {
            if let page = try await pull(cursor) {
                seen.formUnion(page.records.map(\.id))
                cursor = page.cursor
                idleRounds = page.records.isEmpty ? idleRounds + 1 : 0
            } else {
                idleRounds += 1
                if seen.count == expected.count { break }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        return seen
    }

    @Test func twoHubProcessesOverOneDatabase() async throws {
        let logger = Logger(label: "setu-hub-test")
        try await TestPostgres.withDatabase(logger: logger) { client, url in
            let hubA = try HubProcess(postgresURL: url)
            let hubB = try HubProcess(postgresURL: url)
            defer { hubA.stop(); hubB.stop() }
            try await hubA.waitUntilServing()
            try await hubB.waitUntilServing()
            var tokens: [String] = []
            for p in 0..<Self.pushers { tokens.append(try await hubA.addNode("pusher-\(p)", offices: ["upazila:o\(p)"])) }
            let pullerToken = try await hubA.addNode("puller", offices: Self.allOffices)
            let seen = try await withThrowingTaskGroup(of: Set<String>?.self) { group in
                for p in 0..<Self.pushers {
                    let token = tokens[p]
                    group.addTask {
                        for b in 0..<Self.batchesPerPusher {
                            let hub = b % 2 == 0 ? hubA : hubB
                            let (status, body) = try await hub.request("POST", "/v1/push", token: token, body: JSONWriter.write(Self.batch(p, b, now: UInt64(Date().timeIntervalSince1970 * 1000)).json))
                            guard status == 200 else { throw HubStorageError("push failed: \(status) \(String(decoding: body, as: UTF8.self))") }
                        }
                        return nil
                    }
                }
                group.addTask {
                    return try await Self.follow { cursor in
                        let hub = Bool.random() ? hubA : hubB
                        let (status, body) = try await hub.request("GET", "/v1/pull?limit=100&cursor=\(cursor)", token: pullerToken, body: nil)
                        if status == 204 { return nil }
                        guard status == 200 else { throw HubStorageError("pull failed: \(status)") }
                        return try PullResponse(json: JSONParser.parse(body))
                    }
                }
                var seen = Set<String>()
                for try await result in group { if let result { seen = result } }
                return seen
            }
            _ = client
            #expect(seen == Self.expected, "missed \(Self.expected.subtracting(seen).count) records")
        }
    }
}

/// The deterministic version: one push is held open after writing its rows;
/// another push and a pull happen meanwhile; the held push then commits.
/// Feed positions must not let the pull step past the held one.
@Suite struct PostgresLateCommitTests {
    @Test func aPushHeldOpenIsNotSkippedByAPullThatRanMeanwhile() async throws {
        let logger = Logger(label: "setu-hub-test")
        try await TestPostgres.withDatabase(logger: logger) { client in
            let storage = PostgresHubStorage(client: client, logger: logger, beforeCommit: { keys in
                if keys.first?.id.hasPrefix("slow") == true { try? await Task.sleep(for: .milliseconds(600)) }
            })
            try await storage.migrate()
            let hub = HubHarness.make(storage, limits: SyncLimits())
            let slow = HubNode(id: "pusher-0", offices: ["upazila:o0"], createdAtMillis: 0, revoked: false)
            let fast = HubNode(id: "pusher-1", offices: ["upazila:o1"], createdAtMillis: 0, revoked: false)
            let puller = HubNode(id: "puller", offices: ["upazila:o0", "upazila:o1"], createdAtMillis: 0, revoked: false)
            func batch(_ pusher: Int, _ id: String) -> PushRequest {
                var state = RecordState()
                let values = try! Collections.services.validate(
                    ["office": .text("upazila:o\(pusher)"), "section": .text("citizen"), "serial": .int(1), "name": .text(id)], mode: .whole).values
                state.write(values, dot: Dot(node: NodeID(rawValue: "pusher-\(pusher)")!, time: HLCTimestamp(physicalMillis: hub.clock.now)))
                return PushRequest(records: [ReplicatedRecord(collection: "services", id: id, state: state)])
            }
            async let held: PushResponse = hub.service.push(batch(0, "slow-1"), from: slow, logger: logger)
            try await Task.sleep(for: .milliseconds(150))
            _ = try await hub.service.push(batch(1, "fast-1"), from: fast, logger: logger)
            var seen = Set<String>()
            var cursor = ""
            if let page = try await hub.service.pull(for: puller, cursor: cursor, limit: nil, maxBytes: nil) {
                seen.formUnion(page.records.map(\.id))
                cursor = page.cursor
            }
            _ = try await held
            if let page = try await hub.service.pull(for: puller, cursor: cursor, limit: nil, maxBytes: nil) {
                seen.formUnion(page.records.map(\.id))
            }
            #expect(seen == ["slow-1", "fast-1"])
        }
    }
}
