import Foundation
import GRDB
import SetuCore
import SetuStore
import Testing

@Suite struct ReplicaTests {
    let dir = TemporaryDirectory()

    @Test func opensInWALModeWithPlainAndSetuTables() throws {
        let replica = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        _ = replica
        let mode = try sqlite3(dir.file("r.sqlite"), "PRAGMA journal_mode;").output
        #expect(mode.trimmingCharacters(in: .whitespacesAndNewlines) == "wal")
        let tables = try sqlite3(dir.file("r.sqlite"), "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name;").output
        for name in ["products", "requests", "services", "setu_records", "setu_meta", "setu_cursors"] {
            #expect(tables.split(separator: "\n").contains(Substring(name)))
        }
    }

    /// Status shows it on every call: the main file and the WAL, as the file
    /// system has them.
    @Test func sizeInBytesIsTheFileAndItsWAL() throws {
        let path = dir.file("r.sqlite")
        let replica = try Replica(path: path, node: "office-a")
        func onDisk() throws -> Int {
            try [path, path + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
                .reduce(0) { $0 + (try FileManager.default.attributesOfItem(atPath: $1)[.size] as! Int) }
        }
        for serial in 1...50 { try replica.put("services", id: "s\(serial)", Fixtures.service(serial: Int64(serial))) }
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        let size = replica.sizeInBytes()
        #expect(size == (try onDisk()))
        #expect(size > (try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int))
    }

    @Test func putShowsResolvedValuesInThePlainTableByteExact() throws {
        let replica = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        try replica.put("services", id: "s1", Fixtures.service())
        let row = try sqlite3(dir.file("r.sqlite"), "SELECT name, fee, officer_phone, serial FROM services WHERE id = 's1';").output
        #expect(row == "জন্ম নিবন্ধন|বিনামূল্যে|+8801711000000|1\n")
        let hex = try sqlite3(dir.file("r.sqlite"), "SELECT hex(name) FROM services;").output
        #expect(hex.trimmingCharacters(in: .newlines) == Data("জন্ম নিবন্ধন".utf8).map { String(format: "%02X", $0) }.joined())
    }

    @Test func patchDeleteAndCounterAdjust() throws {
        let replica = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        try replica.put("products", id: "p1", Fixtures.product(stock: 10))
        try replica.adjust("products", id: "p1", field: "stock", by: 5)
        try replica.adjust("products", id: "p1", field: "stock", by: -2)
        try replica.patch("products", id: "p1", ["price_paisa": .text("৩০০০০০")])
        let record = try #require(try replica.record("products", id: "p1"))
        #expect(record.values?["stock"] == .int(13))
        #expect(record.values?["price_paisa"] == .int(300_000))
        try replica.delete("products", id: "p1")
        #expect(try replica.record("products", id: "p1")?.values == nil)
        #expect(try sqlite3(dir.file("r.sqlite"), "SELECT count(*) FROM products;").output == "0\n")
        #expect(throws: ReplicaError.self) { try replica.patch("products", id: "p1", ["title": .text("x")]) }
    }

    @Test func badInputThrowsATypedErrorAndWritesNothing() throws {
        let replica = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        try replica.put("services", id: "s1", Fixtures.service())
        let before = try replica.canonicalDump()
        let head = try replica.feedHead()
        var cases: [(String, [String: FieldValue], ValidationError.Code, String?)] = [
            ("services", ["serial": .text("many")], .wrongType, "serial"),
            ("services", ["colour": .text("red")], .unknownField, "colour"),
            ("services", ["documents": .text(String(repeating: "ক", count: 3_000))], .tooLong, "documents"),
            ("gadgets", ["name": .text("x")], .unknownCollection, nil),
        ]
        cases.append(("services", ["officer_email": .text("not-an-address")], .invalidValue, "officer_email"))
        for (collection, values, code, field) in cases {
            do {
                try replica.patch(collection, id: "s1", values)
                Issue.record("accepted \(values.keys)")
            } catch let error as ValidationError {
                #expect(error.code == code)
                #expect(error.field == field)
            }
        }
        #expect(throws: ValidationError.self) { try replica.put("services", id: "bad id!", Fixtures.service()) }
        #expect(try replica.canonicalDump() == before)
        #expect(try replica.feedHead() == head)
    }

    @Test func refusesAReplicaOfAnotherNode() throws {
        _ = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        #expect(throws: ReplicaError.self) { try Replica(path: dir.file("r.sqlite"), node: "office-b") }
    }

    @Test func refusesAReplicaWrittenByANewerSchema() throws {
        _ = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        try sqlite3(dir.file("r.sqlite"), "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future');")
        do {
            _ = try Replica(path: dir.file("r.sqlite"), node: "office-a")
            Issue.record("opened a newer replica")
        } catch let error as ReplicaError {
            #expect(error.code == .newerSchema)
            #expect(error.description.contains("newer Setu"))
        }
    }

    @Test func theClockSurvivesARestart() throws {
        let clock = ManualClock()
        let first = try Replica(path: dir.file("r.sqlite"), node: "office-a", options: ReplicaOptions(now: clock.source))
        let a = try first.put("services", id: "s1", Fixtures.service())
        clock.now -= 86_400_000 // the BIOS clock is reset to yesterday
        let second = try Replica(path: dir.file("r.sqlite"), node: "office-a", options: ReplicaOptions(now: clock.source))
        let b = try second.patch("services", id: "s1", ["name": .text("নতুন")])
        #expect(b.dot.time > a.dot.time)
    }
}

@Suite struct ReplicaWorkflowAndImportTests {
    let dir = TemporaryDirectory()

    static func request(_ status: String) -> [String: FieldValue] {
        ["office": .text("upazila:rupsha"), "service_id": .text("s1"), "applicant_name": .text("রহিমা"),
         "applicant_phone": .text("01711000000"), "submitted_at": .text("2026-11-23T10:00:00+06:00"), "status": .text(status)]
    }

    @Test func statusChangesFollowTheWorkflowAlsoFromSQL() throws {
        let replica = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        try replica.put("requests", id: "r1", Self.request("submitted"))
        try replica.patch("requests", id: "r1", ["status": .text("in_review")])
        #expect(throws: ValidationError.self) { try replica.patch("requests", id: "r1", ["status": .text("submitted")]) }
        // Backward from SQL is refused too (forward, any number of steps, is not).
        try sqlite3(dir.file("r.sqlite"), "UPDATE requests SET status = 'submitted' WHERE id = 'r1';")
        try replica.stampOutsideWrites()
        #expect(try replica.record("requests", id: "r1")?.values?["status"] == .text("in_review"))
        #expect(try replica.rejections().last?.reason.contains("cannot go from in_review to submitted") == true)
    }

    @Test func reimportingTheSameRecordsWritesNothingAndAChangeWritesOnlyIt() throws {
        let replica = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        let records = (1...5).map { (id: "s\($0)", values: Fixtures.service(serial: Int64($0))) }
        #expect(try replica.importRecords("services", records) == (5, 0))
        let head = try replica.feedHead()
        #expect(try replica.importRecords("services", records) == (0, 5))
        #expect(try replica.feedHead() == head)
        var changed = records
        changed[2].values["name"] = .text("নতুন নাম")
        #expect(try replica.importRecords("services", changed) == (1, 4))
        var broken = records
        broken[4].values["section"] = .text("secret")
        #expect(throws: ValidationError.self) { try replica.importRecords("services", broken + [(id: "s9", values: Fixtures.service(serial: 9))]) }
        #expect(try replica.record("services", id: "s9") == nil, "a bad record aborts the whole import")
    }

    /// A file whose only change is a counter (stock counted again) is a change.
    @Test func reimportingWithOnlyTheStockChangedSetsTheStock() throws {
        let replica = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        #expect(try replica.importRecords("products", [(id: "p1", values: Fixtures.product(stock: 5))]) == (1, 0))
        #expect(try replica.importRecords("products", [(id: "p1", values: Fixtures.product(stock: 5))]) == (0, 1))
        #expect(try replica.importRecords("products", [(id: "p1", values: Fixtures.product(stock: 8))]) == (1, 0))
        #expect(try replica.record("products", id: "p1")?.values?["stock"] == .int(8))
    }
}
