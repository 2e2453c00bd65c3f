import Foundation
import SetuTestSupport
import Testing

/// `setuctl export` then `setuctl import file` into another office, through
/// real setud processes: Bengali survives CSV and JSON byte for byte, a
/// second import writes nothing, and a bad row is reported with its line
/// with nothing written.
@Suite(.serialized) struct ExportImportTests {
    @Test(arguments: ["csv", "json"])
    func exportThenImportRoundTrips(_ format: String) async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let a = try SetudProcess(node: "office-a", hub: hub, offices: ["district:khulna"])
        defer { a.stop() }
        // Another hub: B never receives A's records by sync, so what B holds
        // comes from the file alone. (B serves Khulna: a node refuses writes
        // for offices it does not serve.)
        let otherHub = try HubProcess()
        defer { otherHub.stop() }
        try await otherHub.waitUntilServing()
        let b = try SetudProcess(node: "office-b", hub: otherHub, offices: ["district:khulna"])
        defer { b.stop() }
        try await a.waitUntilReady()
        try await b.waitUntilReady()
        try await a.ctl(["put", "products", "p1", "office=district:khulna", "entrepreneur=সালমা বেগম, খুলনা", "title=নকশী কাঁথা \"বড়\"",
                   "price_paisa=৩৫০০০০", "stock=12", "listed=true", "description=দুই লাইন\nবিবরণ"])
        try await a.ctl(["put", "products", "p2", "office=district:khulna", "entrepreneur=হালিম", "title=পাটের ব্যাগ", "price_paisa=45000"])
        let file = a.dir.appendingPathComponent("products.\(format)").path
        let export = try await a.ctl(["export", "products", "--format", format, "--output", file])
        #expect(export.status == 0, "\(export.error)")
        if format == "csv" {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]), "UTF-8 BOM for spreadsheets")
        }
        let first = try await b.ctl(["import", "file", "products", file])
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.contains("2 written, 0 unchanged"))
        let again = try await b.ctl(["import", "file", "products", file])
        #expect(again.output.contains("0 written, 2 unchanged"))
        let left = try await a.ctl(["get", "products", "p1", "--json"]).output
        let right = try await b.ctl(["get", "products", "p1", "--json"]).output
        #expect(left == right)
        #expect(right.contains("নকশী কাঁথা \\\"বড়\\\""))
    }

    @Test func aBadRowIsReportedWithItsLineAndNothingIsWritten() async throws {
        let (hub, a) = try await Self.khulnaOffice()
        defer { a.stop(); hub.stop() }
        let file = a.dir.appendingPathComponent("bad.csv").path
        try """
            id,office,entrepreneur,title,price_paisa
            p1,district:khulna,রহিমা,কাঁথা,100
            p2,district:khulna,করিম,ব্যাগ,অনেক
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await a.ctl(["import", "file", "products", file])
        #expect(result.status == 5)
        #expect(result.error.contains("line 3"), "\(result.error)")
        #expect(try await a.ctl(["get", "products", "p1"]).status == 5, "nothing written")
    }

    /// 12,000 rows go in several pages, checked over both cores first: the
    /// first bad row of the file is the one reported, even when a later part
    /// holds another, and nothing is written; fixed, every row arrives.
    @Test func aLargeFileIsCheckedWholeThenImportedInPages() async throws {
        let (hub, a) = try await Self.khulnaOffice()
        defer { a.stop(); hub.stop() }
        func rows(badAt bad: Set<Int>) -> String {
            (["id,office,entrepreneur,title,price_paisa"] + (1...12_000).map { i in
                "p\(i),district:khulna,উদ্যোক্তা \(i),পণ্য \(i),\(bad.contains(i) ? "অনেক" : "\(i * 100)")"
            }).joined(separator: "\n")
        }
        let file = a.dir.appendingPathComponent("many.csv").path
        try rows(badAt: [9_000, 5_000]).write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try await a.ctl(["import", "file", "products", file])
        #expect(refused.status == 5)
        #expect(refused.error.contains("line 5001"), "\(refused.error)")
        #expect(try await a.ctl(["get", "products", "p1"]).status == 5, "nothing written")
        try rows(badAt: []).write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try await a.ctl(["import", "file", "products", file])
        #expect(imported.status == 0, "\(imported.error)")
        #expect(imported.output.contains("12000 written, 0 unchanged"), "\(imported.output)")
        #expect(try await a.ctl(["get", "products", "p12000"]).output.contains("পণ্য 12000"))
    }

    /// A JSON file of 12,000 records: a record without an id, or a comma
    /// left out near the end, is reported with where it is, and nothing is
    /// written; fixed, every record arrives.
    @Test func aLargeJSONFileReportsWhereItIsWrongAndWritesNothing() async throws {
        let (hub, a) = try await Self.khulnaOffice()
        defer { a.stop(); hub.stop() }
        func records(_ change: (inout [String]) -> Void = { _ in }) -> String {
            var items = (1...12_000).map { i in #"{"id":"p\#(i)","office":"district:khulna","entrepreneur":"উদ্যোক্তা \#(i)","title":"পণ্য, [\#(i)]","price_paisa":\#(i * 100)}"# }
            change(&items)
            return "[\n" + items.joined(separator: ",\n") + "\n]\n"
        }
        let file = a.dir.appendingPathComponent("many.json").path
        try records { $0[8_999] = #"{"office":"district:khulna"}"# }.write(toFile: file, atomically: true, encoding: .utf8)
        let noID = try await a.ctl(["import", "file", "products", file])
        #expect(noID.status == 5)
        #expect(noID.error.contains("record 9000 has no string id"), "\(noID.error)")
        let text = records()
        let cut = text.range(of: "},\n{\"id\":\"p11000\"")!
        try text.replacingCharacters(in: cut, with: "}\n{\"id\":\"p11000\"").write(toFile: file, atomically: true, encoding: .utf8)
        let noComma = try await a.ctl(["import", "file", "products", file])
        #expect(noComma.status == 5)
        let at = text.utf8.distance(from: text.utf8.startIndex, to: cut.lowerBound) + 2
        #expect(noComma.error.contains("invalid JSON at byte \(at): expected ',' or ']'"), "\(noComma.error)")
        #expect(try await a.ctl(["get", "products", "p1"]).status == 5, "nothing written")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try await a.ctl(["import", "file", "products", file])
        #expect(imported.status == 0, "\(imported.error)")
        #expect(imported.output.contains("12000 written, 0 unchanged"), "\(imported.output)")
        #expect(try await a.ctl(["get", "products", "p12000"]).output.contains("পণ্য, [12000]"))
    }

    /// A file saved in another encoding (a Windows code page's é) is
    /// refused saying so, from JSON as from CSV, and nothing is written.
    @Test func aFileNotInUTF8IsRefusedSayingSo() async throws {
        let (hub, a) = try await Self.khulnaOffice()
        defer { a.stop(); hub.stop() }
        let files = [
            ("cp1252.json", Array(#"[{"id":"p1","office":"district:khulna","entrepreneur":"Caf"#.utf8) + [0xE9]
                + Array(#"","title":"t","price_paisa":100}]"#.utf8)),
            ("cp1252.csv", Array("id,office,entrepreneur,title,price_paisa\np1,district:khulna,Caf".utf8) + [0xE9] + Array(",t,100\n".utf8)),
        ]
        for (name, bytes) in files {
            let file = a.dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let refused = try await a.ctl(["import", "file", "products", file])
            #expect(refused.status == 5)
            #expect(refused.error.contains("\(file) is not UTF-8 text; save it as UTF-8"), "\(refused.error)")
        }
        #expect(try await a.ctl(["get", "products", "p1"]).status == 5, "nothing written")
    }

    /// setuctl sends two pages at once, but a file that names a record in
    /// two pages goes page by page: the later row wins, as in the file.
    @Test func aRecordNamedTwiceTakesItsLaterRow() async throws {
        let (hub, a) = try await Self.khulnaOffice()
        defer { a.stop(); hub.stop() }
        let rows = (1...9_000).map { i in "p\(i),district:khulna,উদ্যোক্তা \(i),পণ্য \(i),\(i * 100)" }
        let file = a.dir.appendingPathComponent("twice.csv").path
        try (["id,office,entrepreneur,title,price_paisa"] + rows[..<5_000] + ["p1,district:khulna,উদ্যোক্তা 1,শেষের সারি,100"] + rows[5_000...])
            .joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try await a.ctl(["import", "file", "products", file])
        #expect(imported.status == 0, "\(imported.error)")
        #expect(imported.output.contains("9001 written"), "\(imported.output)")
        #expect(try await a.ctl(["get", "products", "p1"]).output.contains("শেষের সারি"))
    }

    /// 2,500 products, 1,500 of them deleted: the export holds all 1,000
    /// live ones; a phone and a formula stay text in a spreadsheet.
    @Test func exportAfterManyDeletionsHoldsEveryLiveRecord() async throws {
        let (hub, a) = try await Self.khulnaOffice()
        defer { a.stop(); hub.stop() }
        let rows = (0..<2_500).map { i in "p\(i),district:khulna,রহিমা,\(i == 10 ? "=1+1" : "কাঁথা \(i)"),100" }
        let file = a.dir.appendingPathComponent("many.csv").path
        try (["id,office,entrepreneur,title,price_paisa"] + rows).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await a.ctl(["import", "file", "products", file]).status == 0)
        // Deleted as office software would, through SQL; setud stamps them.
        let sql = try await runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-cmd", ".timeout 5000", a.replicaPath,
            "DELETE FROM products WHERE CAST(substr(id, 2) AS INTEGER) % 5 NOT IN (0, 3); SELECT changes();"])
        #expect(sql.output == "1500\n", "\(sql.error)")
        let stamped = await waitUntil(seconds: 60) { (try? await a.ctl(["get", "products", "p2499"]).status) == 5 }
        #expect(stamped, "setud did not stamp the SQL deletes")
        let out = a.dir.appendingPathComponent("export.csv").path
        let export = try await a.ctl(["export", "products", "--output", out])
        #expect(export.status == 0, "\(export.error)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let lines = text.split(separator: "\r\n")
        #expect(lines.count == 1 + 1_000, "header and every live product")
        #expect(text.contains(",'=1+1,"), "a formula is exported as text")
    }

    /// A hub serving, and one office of Khulna district ready beside it.
    static func khulnaOffice() async throws -> (HubProcess, SetudProcess) {
        let hub = try HubProcess()
        do {
            try await hub.waitUntilServing()
            let office = try SetudProcess(node: "office-a", hub: hub, offices: ["district:khulna"])
            do {
                try await office.waitUntilReady()
            } catch {
                office.stop()
                throw error
            }
            return (hub, office)
        } catch {
            hub.stop()
            throw error
        }
    }
}
