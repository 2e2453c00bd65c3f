import Foundation
import GRDB
import SetuCore
@testable import SetuStore
import SetuTestSupport
import Testing

/// A replica's states leave the text their plain rows show to the rows
/// (`StoredState`); what keeps that safe when other clients write the rows.
@Suite struct ValuesInRowsTests {
    let dir = TemporaryDirectory()
    var path: String { dir.file("r.sqlite") }

    func storedBytes(_ id: String) throws -> [UInt8] {
        try DatabaseQueue(path: path).read { db in
            Array(try Data.fetchOne(db, sql: "SELECT state FROM setu_records WHERE id = ?", arguments: [id])!)
        }
    }

    @Test func aStateLeavesTheTextItsRowShows() throws {
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("services", id: "s1", Fixtures.service(name: "জন্ম নিবন্ধন সনদ"))
        let bytes = try storedBytes("s1")
        #expect(StateCodec.isRowBacked(bytes))
        #expect(!bytes.containsSequence(Array("জন্ম নিবন্ধন সনদ".utf8)))
        #expect(try replica.record("services", id: "s1")?.values?["name"] == .text("জন্ম নিবন্ধন সনদ"))
        // The dump, the feed and bundles carry every value.
        #expect(try replica.stateDump().contains(Hex.encode(Array("জন্ম নিবন্ধন সনদ".utf8))))
        #expect(try replica.feed(after: 0, limit: 1).entries.first?.record.state.siblings(of: "name").first?.value == .text("জন্ম নিবন্ধন সনদ"))
    }

    /// A tool that rebuilds a table (some SQLite GUIs, for a schema edit)
    /// drops the triggers, and an edit meanwhile is not captured. The state's
    /// checksum catches it; the next write restores the triggers and takes
    /// the row as it is as an edit of every value it lost, under a new dot,
    /// so its peer ends with the same record.
    @Test func aRowChangedWhileTheTriggersWereGoneIsTakenAsAnEdit() throws {
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("services", id: "s1", Fixtures.service())
        let peer = try Replica(path: dir.file("peer.sqlite"), node: "office-b")
        try peer.apply(try replica.feed(after: 0, limit: 10).entries.map(\.record), from: "office-a")

        let edit = try sqlite3(path, """
            DROP TRIGGER setu_capture_services_update; DROP TRIGGER setu_preimage_services_update;
            UPDATE services SET name = 'মৃত্যু নিবন্ধন', fee = '২০ টাকা' WHERE id = 's1';
            """)
        #expect(edit.status == 0)
        #expect(try sqlite3(path, "SELECT count(*) FROM setu_dirty;").output == "0\n", "not captured")
        #expect { try replica.record("services", id: "s1") } throws: { error in
            (error as? ReplicaError)?.code == .rowChangedUnseen && "\(error)".contains("capture triggers were missing")
        }

        let stamped = try replica.stampOutsideWrites()
        #expect(stamped.count == 1)
        #expect(stamped.first?.fields["name"] == .text("মৃত্যু নিবন্ধন"))
        #expect(stamped.first?.fields["fee"] == .text("২০ টাকা"))
        #expect(stamped.first?.fields["office"] == .text("upazila:rupsha"), "a value it lost is written again as the row shows it")
        #expect(try sqlite3(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger';").output == "18\n", "the triggers are back")

        try peer.apply(try replica.feed(after: 1, limit: 10).entries.map(\.record), from: "office-a")
        #expect(try peer.record("services", id: "s1")?.values?["name"] == .text("মৃত্যু নিবন্ধন"))
        #expect(try peer.stateDump() == replica.stateDump())
        #expect(try peer.conflicts().isEmpty)

        // A counter changed meanwhile moves by exactly the difference.
        try replica.put("products", id: "p1", Fixtures.product(stock: 10))
        try sqlite3(path, """
            DROP TRIGGER setu_capture_products_update; DROP TRIGGER setu_preimage_products_update;
            UPDATE products SET title = 'নকশী কাঁথা (বড়)', stock = 7 WHERE id = 'p1';
            """)
        let sale = try #require(try replica.stampOutsideWrites().first)
        #expect(sale.fields["title"] == .text("নকশী কাঁথা (বড়)"))
        #expect(sale.counterDeltas == ["stock": -3])
        #expect(try replica.record("products", id: "p1")?.values?["stock"] == .int(7))

        // Captured as before from now on.
        try sqlite3(path, "UPDATE services SET fee = '৩০ টাকা' WHERE id = 's1';")
        #expect(try replica.stampOutsideWrites().map { Set($0.fields.keys) } == [["fee"]])
    }

    /// Only the trigger that notes the edit was gone: the pre-image was
    /// kept, so the state still reads as it was, and the check of the
    /// triggers notes the row, whose stamp writes exactly what changed.
    @Test func anEditWithAPreimageButNoNoteIsStamped() throws {
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("services", id: "s1", Fixtures.service())
        try sqlite3(path, "DROP TRIGGER setu_capture_services_update; UPDATE services SET fee = '২০ টাকা' WHERE id = 's1';")
        #expect(try sqlite3(path, "SELECT count(*) FROM setu_dirty;").output == "0\n")
        #expect(try replica.record("services", id: "s1")?.values?["fee"] == .text("বিনামূল্যে"), "read from the pre-image")
        #expect(try replica.stampOutsideWrites().map { $0.fields } == [["fee": .text("২০ টাকা")]])
        #expect(try sqlite3(path, "SELECT count(*) FROM setu_preimage_services;").output == "0\n")
    }

    /// A replica upgraded while an outside edit waits to be stamped: the
    /// upgrade leaves to the row only what the row still holds as the state
    /// does, and the stamp after a second edit writes exactly the two fields
    /// the two edits changed.
    @Test func anEditWaitingAcrossTheUpgradeIsStampedAsItWas() throws {
        do {
            let replica = try Replica(path: path, node: "office-a")
            try replica.put("services", id: "s1", Fixtures.service())
            try replica.put("services", id: "s2", Fixtures.service(serial: 2))
        }
        try DatabaseQueue(path: path).write { db in try Self.undoValuesInRows(db) }
        #expect(try !StateCodec.isRowBacked(storedBytes("s1")))
        try sqlite3(path, "UPDATE services SET name = 'মৃত্যু নিবন্ধন' WHERE id = 's1';")

        let replica = try Replica(path: path, node: "office-a")
        #expect(try StateCodec.isRowBacked(storedBytes("s1")))
        #expect(try storedBytes("s1").containsSequence(Array("জন্ম নিবন্ধন".utf8)), "the row no longer holds the name: the state keeps it")
        #expect(try replica.record("services", id: "s1")?.values?["name"] == .text("জন্ম নিবন্ধন"), "not stamped yet")
        try sqlite3(path, "UPDATE services SET fee = '২০ টাকা' WHERE id = 's1';")
        #expect(try replica.record("services", id: "s1")?.values?["fee"] == .text("বিনামূল্যে"))

        let stamped = try replica.stampOutsideWrites()
        #expect(stamped.map { Set($0.fields.keys) } == [["name", "fee"]])
        #expect(try replica.record("services", id: "s1")?.values?["name"] == .text("মৃত্যু নিবন্ধন"))
        #expect(try replica.record("services", id: "s2")?.values?["serial"] == .int(2))
    }

    /// A replica a newer release wrote, opened by this one: a collection it
    /// does not declare is read from its table as it is, and a column that
    /// goes takes no value with it.
    @Test func anOlderReleaseReadsWhatANewerOneLeftToItsRows() throws {
        let newer = try Replica(path: path, node: "office-a", options: ReplicaOptions(schema: TestSchemas.newer))
        try newer.put("stalls", id: "st1", ["office": .text("district:khulna"), "name": .text("নকশী কাঁথার স্টল"), "visitors": .int(12)])
        var product = Fixtures.product(stock: 3)
        product["weight_grams"] = .int(450)
        try newer.put("products", id: "p1", product)
        #expect(try StateCodec.isRowBacked(storedBytes("st1")))
        let dump = try newer.stateDump()

        let older = try Replica(path: path, node: "office-a")
        #expect(try older.stateDump() == dump)
        #expect(try older.feed(after: 0, limit: 10).entries.count == 2)
        #expect(try older.record("products", id: "p1")?.values?["title"] == .text("নকশী কাঁথা"))
    }

    /// What a replica of the release before v9 held: every value in its
    /// state, each record's office in a column, no pre-images.
    static func undoValuesInRows(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE setu_records ADD COLUMN office TEXT NOT NULL DEFAULT ''")
        for row in try Row.fetchAll(db, sql: "SELECT seq, collection, id, state FROM setu_records") {
            let state = try StoredState.decode(row["state"] as Data, CollectionKey.name(row["collection"]), row["id"], in: db, schema: .current, numbering: NodeNumbers.inFile(db))
            try db.execute(sql: "UPDATE setu_records SET state = ?, office = ? WHERE seq = ?",
                           arguments: [Data(StateCodec.encode(state)), state.resolvedOffice ?? "", row["seq"] as Int64])
        }
        for spec in Collections.all {
            let table = PlainTable.of(spec)
            for name in table.preimageTriggerNames { try db.execute(sql: "DROP TRIGGER \(name)") }
            try db.execute(sql: "DROP TABLE \(table.preimageTable)")
        }
        try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v9-values-in-rows'")
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
