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
}
