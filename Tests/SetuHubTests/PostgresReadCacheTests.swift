import Foundation
import Logging
import PostgresNIO
import SetuCore
@testable import SetuHub
import SetuProtocol
import SetuTestSupport
import Testing

/// Issue 18: on PostgreSQL an idle poll sends no query once the hub knows
/// the node and its offices' heads, and no hub serves a stale head or a
/// revoked token for longer than a notification takes, whoever committed
/// (another hub, or a command such as `setu-hub node revoke`).
@Suite struct PostgresReadCacheTests {
    static let logger = Logger(label: "setu-hub-test")
    static let office = HubNode(id: "office-a", offices: ["upazila:rupsha"], createdAtMillis: 0, revoked: false)
    static let desk = HubNode(id: "national-desk", offices: ["all:bangladesh"], createdAtMillis: 0, revoked: false)

    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    static func service(_ storage: PostgresHubStorage) -> SyncService {
        SyncService(storage: storage, limits: SyncLimits(), metrics: HubMetrics(), now: now)
    }

    static func push(_ storage: PostgresHubStorage, _ id: String, by node: HubNode = office) async throws {
        var state = RecordState()
        let values = try Collections.services.validate(
            ["office": .text(node.offices[0]), "section": .text("citizen"), "serial": .int(1), "name": .text("সেবা")], mode: .whole).values
        state.write(values, dot: Dot(node: node.id, time: HLCTimestamp(physicalMillis: now())))
        _ = try await service(storage).push(PushRequest(records: [ReplicatedRecord(collection: "services", id: id, state: state)]), from: node, logger: logger)
    }

    static func head(_ storage: PostgresHubStorage) async throws -> Int64 { try await storage.feedHead(offices: office.offices).seq }

    static func misses(_ storage: PostgresHubStorage) -> Int { storage.cache.missCount }

    /// Both hubs show `seq` within the time a notification takes.
    static func expectBoth(_ hubs: [PostgresHubStorage], at seq: Int64, _ comment: Comment) async throws {
        for (name, hub) in zip(["A", "B"], hubs) {
            let seen = try await waitUntil(seconds: 10) { try await head(hub) == seq }
            let shown = try await head(hub)
            #expect(seen, "hub \(name): \(comment) (head \(shown), expected \(seq))")
        }
    }

    @Test func twoHubsAnswerIdlePollsFromMemoryAndSeeEveryCommit() async throws {
        try await TestPostgres.withDatabase(logger: Self.logger) { client in
            let hubA = PostgresHubStorage(client: client, logger: Self.logger)
            try await hubA.migrate()
            let hubB = PostgresHubStorage(client: client, logger: Self.logger)
            // A command beside the hubs (`setu-hub node revoke`, `bundle import`): no listener.
            let command = PostgresHubStorage(client: client, logger: Self.logger)
            try await command.addNode(Self.office, tokenHash: [1, 2, 3])
            try await command.addNode(Self.desk, tokenHash: [4, 5, 6])
            try await hubA.listening {
                try await hubB.listening {
                    try await Self.check(hubA, hubB, command: command, client: client)
                }
            }
        }
    }

    static func check(_ hubA: PostgresHubStorage, _ hubB: PostgresHubStorage, command: PostgresHubStorage, client: PostgresClient) async throws {
        let hubs = [hubA, hubB]
        try await push(hubA, "s1")
        let start = try await head(hubA)
        try await expectBoth(hubs, at: start, "reads the head")
        for hub in hubs { _ = try await hub.credentials(of: office.id) }
        let before = hubs.map(misses)
        for hub in hubs {
            for _ in 0..<50 {
                #expect(try await hub.credentials(of: office.id)?.node == office)
                #expect(try await service(hub).pull(for: office, cursor: String(start), limit: nil, maxBytes: nil) == nil)
            }
        }
        #expect(hubs.map(misses) == before, "50 idle polls on each hub sent no query")

        try await push(hubA, "s2")
        #expect(try await head(hubA) == start + 1, "a hub's own push is in its cache at once")
        try await expectBoth(hubs, at: start + 1, "the other hub hears of the push")
        try await push(hubB, "n1", by: desk)
        try await expectBoth(hubs, at: start + 2, "a national record moves every office's head")
        #expect(hubs.map(misses) == before, "notifications moved the heads: still no query")

        try await push(command, "s3")
        try await expectBoth(hubs, at: start + 3, "a command's push is seen")
        #expect(try await command.updateNode(office.id, AccountChange(revoked: true)))
        for (name, hub) in zip(["A", "B"], hubs) {
            #expect(try await waitUntil(seconds: 10) { try await hub.credentials(of: office.id)?.node.revoked == true }, "hub \(name) sees the revocation")
        }

        // The listening connections fail: a commit meanwhile goes unnotified,
        // so neither hub may go on trusting what it holds (the revocation
        // emptied the caches: both read and keep the head again first).
        for hub in hubs { #expect(try await head(hub) == start + 3) }
        let warm = hubs.map(misses)
        for hub in hubs { _ = try await head(hub) }
        #expect(hubs.map(misses) == warm, "both hold the head")
        var listeners: [Int32] = []
        for try await pid in try await client.query("""
            SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN "setu_hub_changes"%'
            """, logger: logger).decode(Int32.self) { listeners.append(pid) }
        #expect(listeners.count == 2, "one listening connection per hub")
        try await client.query("SELECT pg_terminate_backend(pid) FROM unnest(\(listeners)::int[]) AS l(pid)", logger: logger)
        // Gone, so the push below cannot be notified to them; the hubs listen
        // again only a retry delay (1 s) after they noticed.
        #expect(try await waitUntil(seconds: 10) {
            var alive: Int64 = 0
            for try await n in try await client.query("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(\(listeners)::int[])",
                                                      logger: logger).decode(Int64.self) { alive = n }
            return alive == 0
        })
        try await push(command, "s4")
        try await expectBoth(hubs, at: start + 4, "a commit while no notification could arrive is not missed")
        for (name, hub) in zip(["A", "B"], hubs) {
            #expect(await waitUntil(seconds: 30) { hub.cache.isTrusted }, "hub \(name) listens again")
        }
        _ = try await head(hubA)
        let after = misses(hubA)
        for _ in 0..<10 { _ = try await head(hubA) }
        #expect(misses(hubA) == after, "and answers from memory again")
    }

    @Test func aNotificationSaysWhichHeadsMoved() {
        guard case .positions(let moved) = PostgresChangeListener.effect(of: "upazila:rupsha 41\nall:bangladesh 42") else {
            Issue.record("positions expected")
            return
        }
        #expect(moved.map(\.office) == ["upazila:rupsha", "all:bangladesh"])
        #expect(moved.map(\.seq) == [41, 42])
        for unreadable in ["*", "", "upazila:rupsha", "upazila:rupsha x", "upazila:rupsha 41\n*"] {
            guard case .everything = PostgresChangeListener.effect(of: unreadable) else {
                Issue.record("\(unreadable.debugDescription) should empty the cache")
                continue
            }
        }
    }
}
