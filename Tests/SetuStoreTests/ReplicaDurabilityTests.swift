import Foundation
import GRDB
import SetuCore
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
        #expect(try writerLevel(replica) == 2)
        #expect(try replica.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }

    /// A pulled page commits at synchronous=NORMAL (1), and the writer is
    /// back at FULL after it, also when the page failed: the node's own
    /// writes that follow on the same connection must wait for the disk.
    @Test func aPulledPageDoesNotWaitForTheDiskAndTheWritesAfterItDo() throws {
        let (hub, office) = try pair()
        try hub.put("services", id: "s1", Fixtures.service())
        let page = office.prepare(try hub.feed(after: 0, limit: 10).entries.map(\.record))

        let during = try office.write(.deferred) { tx in try Int.fetchOne(tx.db, sql: "PRAGMA synchronous") }
        #expect(during == 1)
        #expect(try writerLevel(office) == 2)
        #expect(throws: DeliberateFailure.self) { try office.write(.deferred) { _ in throw DeliberateFailure() } }
        #expect(try writerLevel(office) == 2, "a failed page leaves the writer at FULL")

        try office.apply(page, from: "hub", cursor: "1", durability: .deferred)
        #expect(office.unsynced.pending)
        #expect(try writerLevel(office) == 2)
        #expect(try office.record("services", id: "s1") != nil)
        #expect(try office.pullCursor(from: "hub") == "1")
        try office.put("services", id: "own", Fixtures.service(serial: 2))
        #expect(try office.write { tx in try Int.fetchOne(tx.db, sql: "PRAGMA synchronous") } == 2)
    }

    /// Nothing leaves the node before it is on disk: a feed page with
    /// states to send, and a bundle, first put every deferred commit on
    /// disk. A feed with nothing to send does not, so a catch-up that
    /// only pulled waits for no fsync at all.
    @Test func statesAreOnDiskBeforeTheyAreHandedOutToSend() throws {
        let (hub, office) = try pair()
        try hub.put("services", id: "s1", Fixtures.service())
        try office.apply(office.prepare(try hub.feed(after: 0, limit: 10).entries.map(\.record)), from: "hub", cursor: "1",
                         durability: .deferred)
        #expect(try office.feed(after: office.pushCursor(to: "hub"), limit: 500, for: "hub").entries.isEmpty)
        #expect(office.unsynced.pending, "the hub's own states are not sent back, so nothing waits for the disk")
        #expect(office.unsynced.flushes.load(ordering: .relaxed) == 0)

        // A merge of the office's write with the hub's, made by a pulled page.
        try office.patch("services", id: "s1", ["fee": .text("৫০ টাকা")])
        try office.acknowledgePush(to: "hub", upTo: office.feedHead())
        try hub.patch("services", id: "s1", ["name": .text("নতুন নাম")])
        try office.apply(office.prepare(try hub.feed(after: 1, limit: 10).entries.map(\.record)), from: "hub", cursor: "2",
                         durability: .deferred)
        #expect(office.unsynced.pending)
        let unsent = try office.feed(after: office.pushCursor(to: "hub"), limit: 500, for: "hub")
        #expect(unsent.entries.map(\.record.id) == ["s1"])
        #expect(!office.unsynced.pending, "the merge is on disk before the push sends it")
        #expect(office.unsynced.flushes.load(ordering: .relaxed) == 1)

        try hub.put("services", id: "s2", Fixtures.service(serial: 2))
        try office.apply(office.prepare(try hub.feed(after: 2, limit: 10).entries.map(\.record)), from: "hub", cursor: "3",
                         durability: .deferred)
        #expect(office.unsynced.pending)
        _ = try office.prepareBundle(for: "hub")
        #expect(!office.unsynced.pending, "a bundle's states are on disk before it is written")
        #expect(office.unsynced.flushes.load(ordering: .relaxed) == 2)
        try office.makeDurable()
        #expect(office.unsynced.flushes.load(ordering: .relaxed) == 2, "nothing deferred since: no fsync")
    }

    /// An fsync that cannot be made is an error that says what it means,
    /// so the push stops instead of sending what the disk may not hold.
    @Test func aWALThatCannotBeSyncedStopsTheSend() throws {
        let commits = UnsyncedCommits(databasePath: "/dev/null/replica.sqlite")
        try commits.flush()
        commits.counting {}
        #expect { try commits.flush() } throws: { error in
            guard let error = error as? ReplicaError else { return false }
            return error.code == .notDurable && error.detail.contains("nothing was sent")
        }
        #expect(commits.pending)
    }

    /// A reader can see a deferred commit before the writer's code after
    /// the commit runs: the transaction counts from its start. A flush
    /// while one is under way fsyncs, and the next flush fsyncs again,
    /// since the one under way may have committed after the first.
    @Test func aDeferredTransactionUnderWayIsNotTakenForOnDisk() throws {
        let path = dir.file("wal-only.sqlite")
        _ = FileManager.default.createFile(atPath: path + "-wal", contents: Data())
        let commits = UnsyncedCommits(databasePath: path)
        try commits.counting {
            #expect(commits.pending, "counted before it commits")
            try commits.flush()
            #expect(commits.pending, "still under way: not known to be on disk")
        }
        try commits.flush()
        #expect(!commits.pending)
        #expect(commits.flushes.load(ordering: .relaxed) == 2)
    }

    private func pair() throws -> (hub: Replica, office: Replica) {
        (try Replica(path: dir.file("hub.sqlite"), node: "hub"), try Replica(path: dir.file("office.sqlite"), node: "office-a"))
    }

    private func writerLevel(_ replica: Replica) throws -> Int? {
        try replica.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
    }
}

private struct DeliberateFailure: Error {}
