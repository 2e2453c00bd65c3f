/// A parsed JSON value with exact types: integers stay integers (money is
/// integer paisa), booleans are never numbers, strings are valid UTF-8.
///
/// Setu parses JSON itself rather than through `JSONSerialization` so that a
/// bad body gets an error naming the place and the problem (invalid UTF-8 at
/// byte 812, a float where an integer belongs), and so that the same bytes
/// parse the same way on every platform.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Members in document order; duplicate keys are refused by the parser.
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(i)
        case .double(let d): hasher.combine(d)
        case .string(let s): hasher.combine(Array(s.utf8))
        case .array(let a): hasher.combine(a)
        case .object(let o): for m in o { hasher.combine(m.key); hasher.combine(m.value) }
        }
    }

    /// The member named `key` of an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number with a fraction"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Where and why a JSON document or message could not be read.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    public let path: String
    public let problem: String
    /// Set when the JSON is well formed but one record's content is not (a
    /// node twice in a vector, a dot twice in a field): a problem of that
    /// record, as the sync rules report it (422), not of the request's form.
    public let record: Rejection?

    public init(_ path: String, _ problem: String, record: Rejection? = nil) {
        self.path = path
        self.problem = problem
        self.record = record
    }

    public var description: String { path.isEmpty ? problem : "\(path): \(problem)" }
}

import SetuCore

extension JSONValue {
    /// A field value as JSON: null, boolean, integer or string.
    public init(_ value: FieldValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .text(let t): self = .string(t)
        }
    }
}
