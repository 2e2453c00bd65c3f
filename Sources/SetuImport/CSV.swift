/// RFC 4180 CSV as spreadsheets expect it: UTF-8 with a byte-order mark
/// (without it, spreadsheet programs show Bengali as mojibake), CRLF line
/// ends, fields quoted when they hold a comma, quote or line break.
public enum CSV {
    public static let byteOrderMark = "\u{FEFF}"

    public static func write(header: [String], rows: [[String]]) -> String {
        var out = byteOrderMark
        for row in [header] + rows {
            out += row.map(quote).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// What a spreadsheet would run as a formula (a cell starting with
    /// `=`, `+`, `-`, `@`, tab or CR; "+8801711…" included) gets a leading
    /// apostrophe, which spreadsheets show as "this is text" and not as part
    /// of the value. A cell that starts with an apostrophe gets one more, so
    /// `fromSpreadsheetSafe` can always undo it.
    public static func spreadsheetSafe(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, formulaStarts.contains(first) else { return cell }
        return "'" + cell
    }

    /// Undoes `spreadsheetSafe`, for a file read back in.
    public static func fromSpreadsheetSafe(_ cell: String) -> String {
        let scalars = cell.unicodeScalars
        guard scalars.first == "'", scalars.count > 1, formulaStarts.contains(scalars[scalars.index(after: scalars.startIndex)]) else { return cell }
        return String(cell.unicodeScalars.dropFirst())
    }

    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r", "'"]

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) || field.hasPrefix(" ") || field.hasSuffix(" ") else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public let line: Int
        public let problem: String
        public var description: String { "line \(line): \(problem)" }

        public init(line: Int, problem: String) {
            self.line = line
            self.problem = problem
        }
    }

    /// Rows with the line each starts on; a leading BOM is skipped.
    public static func parse(_ text: String) throws -> [(line: Int, fields: [String])] {
        var rows: [(line: Int, fields: [String])] = []
        var field = ""
        var fields: [String] = []
        var inQuotes = false
        var line = 1
        var rowStart = 1
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var i = 0
        func endRow() {
            fields.append(field)
            field = ""
            if !(fields.count == 1 && fields[0].isEmpty) { rows.append((rowStart, fields)) }
            fields = []
        }
        while i < scalars.count {
            let c = scalars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < scalars.count, scalars[i + 1] == "\"" { field.unicodeScalars.append("\""); i += 2; continue }
                    inQuotes = false
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty else { throw ParseError(line: line, problem: "a quote inside an unquoted field; quote the whole field and double the quote") }
                inQuotes = true
            case ",": fields.append(field); field = ""
            case "\r": break
            case "\n":
                endRow()
                line += 1
                rowStart = line
            default: field.unicodeScalars.append(c)
            }
            i += 1
        }
        guard !inQuotes else { throw ParseError(line: rowStart, problem: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        return rows
    }
}
