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
