/// The type of a field as declared, which fixes validation, the SQLite column
/// type of the plain table and the JSON type on the wire.
public enum FieldType: Hashable, Sendable {
    /// Free text, NFC-normalised, at most `maxBytes` of UTF-8.
    case text(maxBytes: Int)
    case integer(ClosedRange<Int64>)
    case boolean
    /// A UTC instant, RFC 3339 on the wire (`2026-11-23T08:00:00Z`).
    case timestamp
    /// One of a fixed set of ASCII words.
    case choice([String])
    /// A phone number, stored E.164 in ASCII digits (`+8801711000000`).
    case phone
    case email
    /// A PN-counter (see `PNCounter`); its value is an integer.
    case counter

    /// The column type in the plain SQLite table (STRICT tables accept only these).
    public var sqliteType: String {
        switch self {
        case .integer, .boolean, .counter: "INTEGER"
        case .text, .timestamp, .choice, .phone, .email: "TEXT"
        }
    }

    var expectation: String {
        switch self {
        case .text: "text"
        case .integer: "an integer"
        case .boolean: "a boolean"
        case .timestamp: "an RFC 3339 UTC time such as 2026-11-23T08:00:00Z"
        case .choice(let words): "one of \(words.joined(separator: ", "))"
        case .phone: "a phone number such as +8801711000000"
        case .email: "an e-mail address"
        case .counter: "an integer"
        }
    }
}
