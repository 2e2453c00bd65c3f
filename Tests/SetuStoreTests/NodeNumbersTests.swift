import Foundation
import GRDB
import SetuCore
@testable import SetuStore
import SetuTestSupport
import Testing

/// Stored states name nodes by the replica's numbers (`NodeNumbers`,
/// `setu_nodes`), given inside write transactions.
@Suite struct NodeNumbersTests {
    let dir = TemporaryDirectory()
    var path: String { dir.file("r.sqlite") }

    func storedBytes(_ id: String) throws -> [UInt8] {
        try DatabaseQueue(path: path).read { db in
            Array(try Data.fetchOne(db, sql: "SELECT state FROM setu_records WHERE id = ?", arguments: [id])!)
        }
    }

    /// A page from another office, prepared before its node had a number,
    /// is stored with the number its transaction gave: no state spells a
    /// node id out, and every read, the feed and the dump give the node back.
    @Test func statesNameNodesByNumber() throws {
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("services", id: "s1", Fixtures.service())
        let other = try Replica(path: dir.file("b.sqlite"), node: "office-b")
        try other.put("services", id: "s2", Fixtures.service(serial: 2))
        try replica.apply(replica.prepare(try other.feed(after: 0, limit: 10).entries.map(\.record)), from: "office-b")

        #expect(try sqlite3(path, "SELECT n || ' ' || node FROM setu_nodes ORDER BY n;").output == "1 office-a\n2 office-b\n")
        for id in ["s1", "s2"] {
            let bytes = try storedBytes(id)
            #expect(bytes.first == StateCodec.rowBackedByte)
            #expect(!bytes.containsSequence(Array("office-".utf8)), "\(id) names its node by number")
        }
        #expect(try replica.record("services", id: "s2")?.state.vector.entries.keys.map(\.rawValue) == ["office-b"])
        #expect(try replica.stateDump().contains(Hex.encode(Array("office-b".utf8))), "the dump writes every node out")
        let fresh = try Replica(path: dir.file("c.sqlite"), node: "office-c")
        try fresh.apply(try replica.feed(after: 0, limit: 10).entries.map(\.record), from: "office-a")
        #expect(try fresh.stateDump() == replica.stateDump())
    }

    /// An edit from a node new here, prepared before that node had a
    /// number (what a catch-up brings from a new office): the held state is
    /// replaced by one that names the node by the number its transaction
    /// gave, and reads back as the edit.
    @Test func anEditFromANewNodeIsStoredWithItsNumber() throws {
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("services", id: "s1", Fixtures.service())
        let editor = try Replica(path: dir.file("b.sqlite"), node: "office-b")
        try editor.apply(try replica.feed(after: 0, limit: 10).entries.map(\.record), from: "office-a")
        try editor.patch("services", id: "s1", ["name": .text("নাগরিকত্ব সনদ")])
        let edits = try editor.feed(after: 0, limit: 10).entries.map(\.record).filter { $0.state.vector.entries.keys.contains("office-b") }
        #expect(edits.count == 1)
        try replica.apply(replica.prepare(edits), from: "office-b")

        #expect(try sqlite3(path, "SELECT n || ' ' || node FROM setu_nodes ORDER BY n;").output == "1 office-a\n2 office-b\n")
        #expect(!(try storedBytes("s1")).containsSequence(Array("office-".utf8)), "both nodes by number")
        #expect(try replica.record("services", id: "s1")?.state == edits[0].state)
        #expect(try replica.stateDump() == editor.stateDump())
    }

    /// A second handle on the file (another process) reads a number given
    /// after it opened, from the file.
    @Test func anotherHandleReadsNumbersGivenSinceItOpened() throws {
        let writer = try Replica(path: path, node: "office-a")
        let reader = try Replica(path: path, node: "office-a")
        let other = try Replica(path: dir.file("b.sqlite"), node: "office-b")
        try other.put("services", id: "s2", Fixtures.service(serial: 2))
        try writer.apply(try other.feed(after: 0, limit: 10).entries.map(\.record), from: "office-b")
        #expect(try reader.record("services", id: "s2")?.values?["serial"] == .int(2))
        #expect(try reader.stateDump() == writer.stateDump())
    }

    /// A transaction that rolls back gives no number: the next node to come
    /// may take it, and each state still reads its own node.
    @Test func aRolledBackTransactionKeepsNoNumber() throws {
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("services", id: "s1", Fixtures.service())
        let b = try Replica(path: dir.file("b.sqlite"), node: "office-b")
        try b.put("services", id: "s2", Fixtures.service(serial: 2))
        let c = try Replica(path: dir.file("c.sqlite"), node: "office-c")
        try c.put("services", id: "s3", Fixtures.service(serial: 3))

        struct Abandoned: Error {}
        #expect(throws: Abandoned.self) {
            try replica.write { tx in
                _ = try tx.applyAll(try b.feed(after: 0, limit: 10).entries.map(\.record), from: "office-b")
                throw Abandoned()
            }
        }
        #expect(replica.nodeNumbers.committed.number("office-b") == nil)
        try replica.apply(try c.feed(after: 0, limit: 10).entries.map(\.record), from: "office-c")
        try replica.apply(try b.feed(after: 0, limit: 10).entries.map(\.record), from: "office-b")
        #expect(try sqlite3(path, "SELECT n || ' ' || node FROM setu_nodes ORDER BY n;").output == "1 office-a\n2 office-c\n3 office-b\n")
        #expect(try replica.record("services", id: "s3")?.state.vector.entries.keys.map(\.rawValue) == ["office-c"])
        #expect(try replica.record("services", id: "s2")?.state.vector.entries.keys.map(\.rawValue) == ["office-b"])
    }
}
