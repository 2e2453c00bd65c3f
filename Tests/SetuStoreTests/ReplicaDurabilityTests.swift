import GRDB
@testable import SetuStore
import Testing

/// What the replica promises about power loss.
@Suite struct ReplicaDurabilityTests {
    let dir = TemporaryDirectory()

    /// The connection that commits must fsync the WAL at every commit
    /// (synchronous=FULL = 2). GRDB's pool once quietly reset it to NORMAL
    /// after our own setting, and only an fsync count showed it.
    @Test func theWriterSyncsEveryCommit() throws {
        let replica = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        let level = try replica.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2)
        #expect(try replica.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }
}
