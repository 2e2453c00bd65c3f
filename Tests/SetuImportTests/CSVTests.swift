import SetuImport
import Testing

@Suite struct CSVTests {
    @Test func roundTripsBengaliQuotesCommasAndLineBreaks() throws {
        let rows = [["s1", "জন্ম নিবন্ধন, মৃত্যু নিবন্ধন", "বলেছেন \"বিনামূল্যে\"", "লাইন ১\nলাইন ২", ""]]
        let text = CSV.write(header: ["id", "name", "fee", "documents", "empty"], rows: rows)
        #expect(text.hasPrefix("\u{FEFF}id,name"), "a byte-order mark for spreadsheets")
        #expect(text.contains("\r\n"))
        let parsed = try CSV.parse(text)
        #expect(parsed.map(\.fields) == [["id", "name", "fee", "documents", "empty"]] + rows)
        #expect(parsed.map(\.line) == [1, 2])
    }

    @Test func reportsTheLineOfABrokenField() {
        do {
            _ = try CSV.parse("id,name\ns1,ok\ns2,bad\"quote\n")
            Issue.record("accepted a stray quote")
        } catch let error as CSV.ParseError {
            #expect(error.line == 3)
        } catch {
            Issue.record("\(error)")
        }
        #expect(throws: CSV.ParseError.self) { try CSV.parse("id,name\ns1,\"never closed\n") }
    }

    /// Cells a spreadsheet would run as formulas get a leading apostrophe
    /// (shown as text, not as part of the value); reading the file back
    /// takes it off again, so export then import is exact.
    @Test func formulaLikeCellsCannotRunAndRoundTrip() throws {
        let risky = ["=HYPERLINK(\"http://x\")", "+8801711000000", "-2+3", "@SUM(A1)", "\tx", "\rx", "'quoted"]
        for cell in risky {
            let safe = CSV.spreadsheetSafe(cell)
            #expect(safe.hasPrefix("'"), "\(cell)")
            #expect(CSV.fromSpreadsheetSafe(safe) == cell)
        }
        for cell in ["জন্ম নিবন্ধন", "a=b", "p-1", ""] {
            #expect(CSV.spreadsheetSafe(cell) == cell)
            #expect(CSV.fromSpreadsheetSafe(cell) == cell)
        }
    }
}
