#if canImport(Glibc)
import Glibc
#endif

/// One stored value of a record field.
///
/// Deliberately small: everything Setu stores is text, an integer, a boolean or
/// nothing. Money is integer paisa and times are RFC 3339 text, so no floating
/// point ever has to round-trip through SQLite, JSON and PostgreSQL.
public enum FieldValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case text(String)

    /// A short name of the value's kind for error messages, never the value itself
    /// (values may be personal data).
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .text: "text"
        }
    }

    public var isNull: Bool { self == .null }

    /// Byte-for-byte equality. `==` on text follows Swift's String, which
    /// treats canonically equivalent text (NFC and NFD) as equal; checking that
    /// a value is stored in canonical form needs the bytes compared.
    public func isIdentical(to other: FieldValue) -> Bool {
        switch (self, other) {
        case (.text(let a), .text(let b)): FieldValue.sameBytes(a, b)
        default: self == other
        }
    }

    /// Byte equality by memcmp over the contiguous UTF-8 (native strings
    /// always have it); the generic `elementsEqual` walked byte by byte and
    /// showed up in every profile of applying remote states.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                x.count == y.count && (x.baseAddress == y.baseAddress || x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
            }
        }
    }
}

extension FieldValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .text(let t): t
        }
    }
}
