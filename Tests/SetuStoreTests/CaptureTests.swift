import Foundation
import SetuCore
import SetuStore
import Testing

/// Writes made to the plain tables by the real `sqlite3` shell.
@Suite struct CaptureTests {
    let dir = TemporaryDirectory()
    var path: String { dir.file("r.sqlite") }

    @Test func insertUpdateAndDeleteFromSqlite3AreStampedOnce() throws {
        let replica = try Replica(path: path, node: "office-a")
        let insert = try sqlite3(path, """
            INSERT INTO services (id, office, section, serial, name) VALUES ('s9', 'upazila:rupsha', 'internal', 9, 'ছুটি মঞ্জুর');
            """)
        #expect(insert.status == 0)
        let stamped = try replica.stampOutsideWrites()
        #expect(stamped.count == 1)
        #expect(stamped.first?.fields["name"] == .text("ছুটি মঞ্জুর"))
        #expect(try replica.stampOutsideWrites().isEmpty, "stamped twice")

        try sqlite3(path, "UPDATE services SET fee = '১০০ টাকা', serial = 10 WHERE id = 's9';")
        let update = try replica.stampOutsideWrites()
        #expect(update.count == 1)
        #expect(Set(update[0].fields.keys) == ["fee", "serial"], "only the changed fields are written")

        try sqlite3(path, "DELETE FROM services WHERE id = 's9';")
        let delete = try replica.stampOutsideWrites()
        #expect(delete.first?.deleted == true)
        #expect(try replica.record("services", id: "s9")?.values == nil)
        #expect(try replica.feedHead() == 3)
    }

    @Test func stockUpdatesBecomeCounterDeltasNeverCountedTwice() throws {
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("products", id: "p1", Fixtures.product(stock: 10))
        try sqlite3(path, "UPDATE products SET stock = stock - 1 WHERE id = 'p1';")
        try sqlite3(path, "UPDATE products SET stock = stock - 1 WHERE id = 'p1';")
        try sqlite3(path, "UPDATE products SET stock = stock + 5 WHERE id = 'p1';")
        // The engine's own next write stamps them first.
        try replica.adjust("products", id: "p1", field: "stock", by: 100)
        let record = try #require(try replica.record("products", id: "p1"))
        #expect(record.values?["stock"] == .int(113))
        let totals = try #require(record.state.counters["stock"]?.totals["office-a"])
        // The three SQL updates between two stamps are one write of +3.
        #expect(totals.increments == 113)
        #expect(totals.decrements == 0)
        #expect(try replica.stampOutsideWrites().isEmpty)
    }

    @Test func sqliteRefusesWrongTypesItself() throws {
        _ = try Replica(path: path, node: "office-a")
        let bad = try sqlite3(path, "INSERT INTO services (id, office, section, serial, name) VALUES ('x', 'upazila:rupsha', 'citizen', 'twelve', 'n');")
        #expect(bad.status != 0)
        #expect(bad.error.contains("cannot store TEXT value in INTEGER column"))
        let choice = try sqlite3(path, "INSERT INTO services (id, office, section, serial, name) VALUES ('x', 'upazila:rupsha', 'secret', 1, 'n');")
        #expect(choice.error.contains("CHECK constraint failed"))
    }

    @Test func anInvalidRowIsSetAsideAndThePlainRowRestored() throws {
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("services", id: "s1", Fixtures.service())
        let before = try replica.canonicalDump()
        // Valid for SQLite, invalid for Setu: a bad phone, and invalid UTF-8.
        try sqlite3(path, "UPDATE services SET officer_phone = 'call the office' WHERE id = 's1';")
        try sqlite3(path, "UPDATE services SET name = CAST(X'E0A6FF' AS TEXT) WHERE id = 's1';")
        #expect(try replica.stampOutsideWrites().isEmpty)
        #expect(try replica.canonicalDump() == before)
        let rejections = try replica.rejections()
        #expect(rejections.count == 1)
        #expect(rejections.first?.reason.contains("services.name: invalid_utf8") == true)
        try sqlite3(path, "UPDATE services SET officer_phone = 'call the office' WHERE id = 's1';")
        try replica.stampOutsideWrites()
        #expect(try replica.rejections().last?.reason.contains("services.officer_phone: invalid_value") == true)
        #expect(try replica.canonicalDump() == before)
    }

    @Test func textInAnotherUnicodeFormIsStoredAsNFC() throws {
        let replica = try Replica(path: path, node: "office-a")
        // কো typed decomposed: ক U+0995, ে U+09C7, া U+09BE.
        try sqlite3(path, "INSERT INTO services (id, office, section, serial, name) VALUES ('s2', 'upazila:rupsha', 'citizen', 2, 'ক' || char(0x09C7) || char(0x09BE));")
        try replica.stampOutsideWrites()
        let hex = try sqlite3(path, "SELECT hex(name) FROM services WHERE id = 's2';").output
        #expect(hex == "E0A695E0A78B\n")
    }

    @Test func applyingARemoteStateNeverFiresCapture() throws {
        let a = try Replica(path: dir.file("a.sqlite"), node: "office-a")
        let b = try Replica(path: path, node: "office-b")
        try a.put("services", id: "s1", Fixtures.service())
        try b.apply(try a.feed(after: 0, limit: 100).entries.map(\.record), from: "office-a")
        #expect(try sqlite3(path, "SELECT count(*) FROM setu_dirty;").output == "0\n")
        #expect(try b.stampOutsideWrites().isEmpty)
        #expect(try b.feed(after: 0, limit: 10, for: "office-a").entries.isEmpty, "a pulled record is not pushed back")
    }
}
