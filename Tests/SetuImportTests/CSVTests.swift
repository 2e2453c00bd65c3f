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

    /// A line break typed on Windows (CRLF) is one character to Swift, and
    /// so is a quote or comma followed by a Bengali sign: the writer must
    /// still see them and quote the cell, or the export splits the row.
    @Test func aCellWithCRLFOrAQuoteBeforeASignIsQuoted() throws {
        let rows = [["s1", "প্রথম লাইন\r\nদ্বিতীয় লাইন", "\"্", ",ে"]]
        let text = CSV.write(header: ["id", "notes", "quote", "comma"], rows: rows)
        #expect(try CSV.parse(text).map(\.fields) == [["id", "notes", "quote", "comma"]] + rows)
    }

    /// Random cells of Bengali (with its combining signs), four-byte
    /// characters, quotes, commas and line ends survive write then parse.
    @Test func randomCellsRoundTrip() throws {
        var random = SystemRandomNumberGenerator()
        let pieces = ["ক", "্", "ষ", "ে", "০", "৯", "a", "Z", " ", ",", "\"", "\n", "\r\n", "😀", "ঁ", "=", "'"]
        for _ in 0..<300 {
            let columns = Int.random(in: 1...5, using: &random)
            let rows = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                (0..<columns).map { _ in (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined() }
            }
            let header = (0..<columns).map { "c\($0)" }
            let parsed = try CSV.parse(CSV.write(header: header, rows: rows)).map(\.fields)
            // A row of one empty cell is a blank line, which the parser skips.
            let expected = [header] + rows.filter { $0 != [""] }
            #expect(parsed == expected, "\(rows)")
        }
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
