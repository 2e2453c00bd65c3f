import Foundation
import GRDB
import SetuCore
import SetuProtocol
@testable import SetuHub
import Testing

/// The embedded hub store's promises about power loss.
@Suite struct SQLiteHubStorageTests {
    /// An acknowledged push is fsynced: the writer runs synchronous=FULL (2),
    /// not the NORMAL GRDB's pool sets when it switches to WAL mode.
    @Test func theWriterSyncsEveryCommit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let storage = try SQLiteHubStorage(path: dir.appendingPathComponent("hub.sqlite").path)
        let level = try storage.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2)
    }

    /// `setu-hub serve` and `setu-hub node add` (or two admin commands)
    /// open the same file at once on a fresh install. GRDB's migrator
    /// serialises only within one pool: each process read the applied
    /// migrations, both ran the next one, and the later failed with
    /// "duplicate column name". Two pools on one file stand for the two
    /// processes; every round is a fresh file.
    @Test func twoProcessesMigratingOneFreshFileBothSucceed() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for round in 0..<40 {
            let path = dir.appendingPathComponent("hub-\(round).sqlite").path
            let first = try SQLiteHubStorage(path: path), second = try SQLiteHubStorage(path: path)
            async let a: Void = first.migrate()
            async let b: Void = second.migrate()
            try await a
            try await b
            let tables = try await first.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
            #expect(tables.contains("hub_records"))
        }
    }

    /// An idle poll reads no table once the hub knows the node and its
    /// offices' heads; a push updates the heads it moved; a write by another
    /// connection (another process: `setu-hub node revoke`, `bundle import`)
    /// is seen at the next poll, not served stale.
    @Test func idlePollsAreAnsweredFromMemoryAndOtherWritersAreSeen() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("hub.sqlite").path
        let serving = try SQLiteHubStorage(path: path)
        try await serving.migrate()
        let other = try SQLiteHubStorage(path: path)
        let office = HubNode(id: "office-a", offices: ["upazila:rupsha"], createdAtMillis: 0, revoked: false)
        try await serving.addNode(office, tokenHash: [1, 2, 3])
        let service = SyncService(storage: serving, limits: SyncLimits(), metrics: HubMetrics(), now: { UInt64(Date().timeIntervalSince1970 * 1000) })
        let desk = HubNode(id: "national-desk", offices: ["all:bangladesh"], createdAtMillis: 0, revoked: false)
        try await serving.addNode(desk, tokenHash: [4, 5, 6])
        func push(_ storage: SQLiteHubStorage, _ id: String, by node: HubNode = office) async throws {
            let code = node.offices[0]
            var state = RecordState()
            let values = try Collections.services.validate(["office": .text(code), "section": .text("citizen"), "serial": .int(1), "name": .text("সেবা")], mode: .whole).values
            state.write(values, dot: Dot(node: node.id, time: HLCTimestamp(physicalMillis: UInt64(Date().timeIntervalSince1970 * 1000))))
            let writer = SyncService(storage: storage, limits: SyncLimits(), metrics: HubMetrics(), now: { UInt64(Date().timeIntervalSince1970 * 1000) })
            _ = try await writer.push(PushRequest(records: [ReplicatedRecord(collection: "services", id: id, state: state)]), from: node, logger: .init(label: "test"))
        }

        try await push(serving, "s1")
        let head = try await serving.feedHead(offices: office.offices)
        _ = try await serving.credentials(of: office.id)
        let misses = serving.cache.missCount
        for _ in 0..<50 {
            #expect(try await serving.credentials(of: office.id)?.node == office)
            #expect(try await service.pull(for: office, cursor: String(head.seq), limit: nil, maxBytes: nil) == nil)
        }
        #expect(serving.cache.missCount == misses, "50 idle polls read no table")

        try await push(serving, "s2")
        #expect(try await serving.feedHead(offices: office.offices).seq == head.seq + 1, "our own push moves the head at once")
        try await push(serving, "n1", by: desk)
        #expect(try await serving.feedHead(offices: office.offices).seq == head.seq + 2, "so does a national record")

        try await push(other, "s3")
        #expect(try await serving.feedHead(offices: office.offices).seq == head.seq + 3, "another writer's push is seen")
        #expect(try await other.updateNode(office.id, AccountChange(revoked: true)))
        #expect(try await serving.credentials(of: office.id)?.node.revoked == true, "and so is a revocation")
    }
}
