import Foundation
import GRDB
import SetuCore
import SetuStore
import SetuTestSupport
import Testing

/// An office PC upgraded to a release that declares more than the one it
/// ran: what it kept of the newer fields and collections shows at once.
@Suite struct SchemaUpgradeTests {
    let dir = TemporaryDirectory()

    /// A product with a weight and a stall, written where they are declared.
    func newerStates() throws -> [ReplicatedRecord] {
        let newer = try Replica(path: dir.file("newer.sqlite"), node: "office-new", options: ReplicaOptions(schema: TestSchemas.newer))
        var product = Fixtures.product(stock: 3)
        product["weight_grams"] = .int(450)
        try newer.put("products", id: "p1", product)
        try newer.put("stalls", id: "st1", ["office": .text("district:khulna"), "name": .text("নকশী কাঁথার স্টল"), "visitors": .int(12)])
        return try newer.feed(after: 0, limit: 10).entries.map(\.record)
    }

    @Test func anUpgradedReplicaShowsWhatItKeptWithoutASync() throws {
        let path = dir.file("office.sqlite")
        let older = try Replica(path: path, node: "office-old")
        let report = try older.apply(try newerStates(), from: "hub")
        #expect(report.changed == 2 && report.rejected.isEmpty)
        #expect(try older.rejections().isEmpty)
        #expect(try sqlite3(path, "SELECT title FROM products WHERE id = 'p1';").output == "নকশী কাঁথা\n")
        #expect(try sqlite3(path, "SELECT count(*) FROM sqlite_master WHERE name = 'stalls';").output == "0\n", "not shown before the upgrade")
        let shown = "SELECT value FROM setu_meta WHERE key = 'schema';"
        #expect(try sqlite3(path, shown).output == "\(Schema.current.version)\n")
        #expect(throws: ValidationError.self) { try older.record("stalls", id: "st1") }
        // Office software edits the title while the older release runs; the
        // PC is upgraded before setud stamps it.
        #expect(try sqlite3(path, "UPDATE products SET title = 'নকশী কাঁথা (বড়)' WHERE id = 'p1';").status == 0)
        let before = try older.stateDump()

        let upgraded = try Replica(path: path, node: "office-old", options: ReplicaOptions(schema: TestSchemas.newer))
        #expect(try sqlite3(path, "SELECT title, weight_grams, stock FROM products WHERE id = 'p1';").output == "নকশী কাঁথা (বড়)|450|3\n",
                "the added column filled from the state; the row's unstamped edit kept")
        #expect(try sqlite3(path, "SELECT name, visitors FROM stalls WHERE id = 'st1';").output == "নকশী কাঁথার স্টল|12\n")
        #expect(try upgraded.stateDump() == before, "reshaping the tables writes no state")
        #expect(try sqlite3(path, shown).output == "\(TestSchemas.newer.version)\n")
        let stamped = try upgraded.stampOutsideWrites()
        #expect(stamped.map(\.fields) == [["title": .text("নকশী কাঁথা (বড়)")]], "the edit made before the upgrade is one write")
        #expect(try upgraded.record("products", id: "p1")?.values?["weight_grams"] == .int(450))
        // Capture works on the new table, and the oversold index survived.
        #expect(try sqlite3(path, "UPDATE stalls SET visitors = visitors + 3 WHERE id = 'st1';").status == 0)
        #expect(try upgraded.stampOutsideWrites().map(\.counterDeltas) == [["visitors": 3]])
        #expect(try sqlite3(path, "SELECT count(*) FROM sqlite_master WHERE name = 'setu_products_oversold';").output == "1\n")
    }

    /// A table made anew takes new pages: the root pages tell.
    @Test func openingAgainWithTheSameSchemaChangesNoTable() throws {
        let path = dir.file("office.sqlite")
        let tables = "SELECT name, rootpage, sql FROM sqlite_master ORDER BY name;"
        _ = try Replica(path: path, node: "office-a", options: ReplicaOptions(schema: TestSchemas.newer))
        let master = try sqlite3(path, tables).output
        _ = try Replica(path: path, node: "office-a", options: ReplicaOptions(schema: TestSchemas.newer))
        #expect(try sqlite3(path, tables).output == master)
        _ = try Replica(path: path, node: "office-a")
        #expect(try sqlite3(path, tables).output != master, "back to the current declaration")
        #expect(try sqlite3(path, "SELECT count(*) FROM pragma_table_info('products') WHERE name = 'weight_grams';").output == "0\n")
    }

    /// Conflicts on a field an older node did not declare are counted once
    /// it does: status and the conflict list show them after the upgrade.
    @Test func conflictsOnANewerFieldAreCountedOnUpgrade() throws {
        let a = try Replica(path: dir.file("a.sqlite"), node: "office-a", options: ReplicaOptions(schema: TestSchemas.newer))
        let b = try Replica(path: dir.file("b.sqlite"), node: "office-b", options: ReplicaOptions(schema: TestSchemas.newer))
        try a.put("stalls", id: "st1", ["office": .text("district:khulna"), "name": .text("ক")])
        try b.apply(try a.feed(after: 0, limit: 10).entries.map(\.record), from: "office-a")
        try a.patch("stalls", id: "st1", ["name": .text("খ")])
        try b.patch("stalls", id: "st1", ["name": .text("গ")])
        let path = dir.file("old.sqlite")
        let older = try Replica(path: path, node: "office-old")
        try older.apply(try a.feed(after: 0, limit: 10).entries.map(\.record) + b.feed(after: 0, limit: 10).entries.map(\.record), from: "hub")
        #expect(try older.conflicts().isEmpty)
        #expect(try older.summary(for: "hub").openConflicts == 0)
        let upgraded = try Replica(path: path, node: "office-old", options: ReplicaOptions(schema: TestSchemas.newer))
        #expect(try upgraded.conflicts().map(\.field) == ["name"])
        #expect(try upgraded.summary(for: "hub").openConflicts == 1)
    }

    /// A release that widened `services.name` to 4 KiB: its long names
    /// reach an older office, which shows them, and its office software
    /// can still edit the record's other fields by SQL.
    @Test func aWidenedLimitIsCompatible() throws {
        let widened = Schema(version: Schema.current.version + 1, collections: Schema.current.collections.map { spec in
            spec.name != "services" ? spec : CollectionSpec(name: "services", fields: spec.fields.map {
                $0.name == "name" ? FieldSpec("name", .text(maxBytes: 4_096), required: true, review: true) : $0
            })
        })
        let newer = try Replica(path: dir.file("newer.sqlite"), node: "office-new", options: ReplicaOptions(schema: widened))
        let long = String(repeating: "নাগরিক সেবা ", count: 60) // 1,980 bytes
        try newer.put("services", id: "s1", Fixtures.service(name: long))
        let path = dir.file("older.sqlite")
        let older = try Replica(path: path, node: "office-old")
        #expect(try older.apply(try newer.feed(after: 0, limit: 10).entries.map(\.record), from: "hub").rejected.isEmpty)
        #expect(try older.record("services", id: "s1")?.values?["name"] == .text(long))
        #expect(try sqlite3(path, "UPDATE services SET fee = '৫০ টাকা' WHERE id = 's1';").status == 0)
        #expect(try older.stampOutsideWrites().map(\.fields) == [["fee": .text("৫০ টাকা")]])
        #expect(try older.rejections().isEmpty)
        #expect(throws: ValidationError.self, "a local write is still held to this release's limit") {
            try older.patch("services", id: "s1", ["name": .text(long + "১")])
        }
    }
}
