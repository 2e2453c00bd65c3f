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

    /// Looked for as bytes, not as characters: a CRLF line break is one
    /// character to Swift, and so is a quote or comma followed by a Bengali
    /// sign; compared as characters, neither was seen and the row split.
    static func quote(_ field: String) -> String {
        let bytes = field.utf8
        guard bytes.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") })
                || bytes.first == UInt8(ascii: " ") || bytes.last == UInt8(ascii: " ") else {
            return field
        }
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        for byte in bytes {
            quoted.append(byte)
            if byte == UInt8(ascii: "\"") { quoted.append(byte) }
        }
        quoted.append(UInt8(ascii: "\""))
        return String(decoding: quoted, as: UTF8.self)
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
    ///
    /// Read as UTF-8 bytes: the quote, comma and line ends are ASCII, which
    /// no byte of a multi-byte character can be, so a field is a run of
    /// bytes between them. (Read character by character, a 100k-row charter
    /// took a third of its import here.)
    public static func parse(_ text: String) throws -> [(line: Int, fields: [String])] {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var rows: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var line = 1
        var rowStart = 1
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRow() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { rows.append((rowStart, fields)) }
            fields = []
        }
        while i < bytes.count {
            let c = bytes[i]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") { field.append(c); i += 2; continue }
                    quoted = false
                } else {
                    if c == UInt8(ascii: "\n") { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: "\""):
                guard field.isEmpty else { throw ParseError(line: line, problem: "a quote inside an unquoted field; quote the whole field and double the quote") }
                quoted = true
            case UInt8(ascii: ","): endField()
            case UInt8(ascii: "\r"): break
            case UInt8(ascii: "\n"):
                endRow()
                line += 1
                rowStart = line
            default:
                // The rest of an unquoted run in one step.
                var end = i + 1
                while end < bytes.count, !Self.isSpecial(bytes[end]) { end += 1 }
                field.append(contentsOf: bytes[i..<end])
                i = end
                continue
            }
            i += 1
        }
        guard !quoted else { throw ParseError(line: rowStart, problem: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        return rows
    }

    private static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }
}
