import Foundation
import GRDB
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
}
