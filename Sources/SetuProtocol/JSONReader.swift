import SetuCore

/// Typed access to a `JSONValue` that knows where it is, so every error says
/// which member of which record was wrong: `records[3].fields.fee[0][3]`.
public struct JSONReader: Sendable {
    public let value: JSONValue
    /// Where `value` sits: its parent's path and the step from there, put
    /// together only when asked (an error names it). Built for every
    /// member read, a path was a tenth of reading an import page.
    private let parent: String
    private let step: Step

    private enum Step: Sendable {
        case none
        case member(String)
        case item(Int)
    }

    public init(_ value: JSONValue, _ path: String = "") {
        self.init(value, parent: path, step: .none)
    }

    private init(_ value: JSONValue, parent: String, step: Step) {
        self.value = value
        self.parent = parent
        self.step = step
    }

    /// `records[3].fields.fee`, say.
    public var path: String {
        switch step {
        case .none: parent
        case .member(let key): parent.isEmpty ? key : "\(parent).\(key)"
        case .item(let index): "\(parent)[\(index)]"
        }
    }

    public func error(_ problem: String) -> WireError { WireError(path, problem) }

    private func expected(_ what: String) -> WireError { error("expected \(what), got \(value.typeName)") }

    public func member(_ key: String) throws(WireError) -> JSONReader {
        guard case .object(let members) = value else { throw expected("an object") }
        guard let v = members.first(where: { $0.key == key })?.value else { throw error("missing member \"\(key)\"") }
        return JSONReader(v, parent: path, step: .member(key))
    }

    public func optionalMember(_ key: String) throws(WireError) -> JSONReader? {
        guard case .object(let members) = value else { throw expected("an object") }
        return members.first(where: { $0.key == key }).map { JSONReader($0.value, parent: path, step: .member($0.key)) }
    }

    /// Refuses an object holding a member not in `known` (a typo, or a
    /// field of a newer protocol this hub would silently drop).
    public func onlyMembers(_ known: Set<String>) throws(WireError) {
        guard case .object(let members) = value else { throw expected("an object") }
        if let extra = members.first(where: { !known.contains($0.key) }) {
            throw error("unknown member \"\(extra.key)\" (expected \(known.sorted().joined(separator: ", ")))")
        }
    }

    public func members() throws(WireError) -> [(String, JSONReader)] {
        guard case .object(let members) = value else { throw expected("an object") }
        let here = path
        return members.map { ($0.key, JSONReader($0.value, parent: here, step: .member($0.key))) }
    }

    public func array() throws(WireError) -> [JSONReader] {
        guard case .array(let items) = value else { throw expected("an array") }
        let here = path
        return items.enumerated().map { JSONReader($1, parent: here, step: .item($0)) }
    }

    public func array(count: Int) throws(WireError) -> [JSONReader] {
        let items = try array()
        guard items.count == count else { throw error("expected an array of \(count) items, got \(items.count)") }
        return items
    }

    public func string() throws(WireError) -> String {
        guard case .string(let s) = value else { throw expected("a string") }
        return s
    }

    public func int() throws(WireError) -> Int64 {
        guard case .int(let i) = value else { throw expected("an integer") }
        return i
    }

    public func unsigned() throws(WireError) -> UInt64 {
        let i = try int()
        guard i >= 0 else { throw error("expected a non-negative integer") }
        return UInt64(i)
    }

    public func node() throws(WireError) -> NodeID {
        guard let node = NodeID(rawValue: try string()) else { throw error("invalid node id") }
        return node
    }

    /// `[node, physical ms, logical]`.
    public func dot() throws(WireError) -> Dot {
        let parts = try array(count: 3)
        let ms = try parts[1].unsigned()
        let logical = try parts[2].unsigned()
        guard ms < (1 << 48) else { throw parts[1].error("physical time out of range") }
        guard logical <= HLCTimestamp.maxLogical else { throw parts[2].error("logical counter out of range") }
        return Dot(node: try parts[0].node(), time: HLCTimestamp(physicalMillis: ms, logical: logical))
    }

    public func fieldValue() throws(WireError) -> FieldValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .string(let s): return .text(s)
        default: throw expected("null, a boolean, an integer or a string")
        }
    }
}
