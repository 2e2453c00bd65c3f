import SetuCore

/// A record on the wire, as JSON:
///
///     {"collection": "services", "id": "s1",
///      "vector":   [["office-a", 1800000000000, 3]],
///      "fields":   {"name": [["office-a", 1800000000000, 3, "ই-সেবা"]],
///                   "_deleted": [["office-a", 1800000000000, 3, false]]},
///      "counters": {"stock": [["office-a", 15, 2]]}}
///
/// A dot is `[node, physical ms, logical]`; counters are `[node, increments,
/// decrements]`. Siblings and vector entries are written sorted, so equal
/// states have equal JSON.
extension ReplicatedRecord {
    public var json: JSONValue {
        var fields: [(key: String, value: JSONValue)] = []
        for field in state.fields {
            fields.append((field.name, .array(field.siblings.map { s in
                .array(Self.dot(s.dot) + [JSONValue(s.value)])
            })))
        }
        let counters: [(key: String, value: JSONValue)] = state.counters.keys.sorted().map { name in
            (name, .array(state.counters[name]!.sortedTotals.map { entry in
                .array([.string(entry.node.rawValue), .int(Int64(clamping: entry.totals.increments)), .int(Int64(clamping: entry.totals.decrements))])
            }))
        }
        return .object([
            ("collection", .string(collection)),
            ("id", .string(id)),
            ("vector", .array(state.vector.sorted.map { .array(Self.dot(Dot(node: $0.node, time: $0.time))) })),
            ("fields", .object(fields)),
            ("counters", .object(counters)),
        ])
    }

    /// Reads a record; errors name the place (`path` prefixes them).
    ///
    /// Matches the JSON directly instead of through `JSONReader`: a bootstrap
    /// decodes millions of dots, and building a path string for every one
    /// (needed only when something is wrong) cost more than the rest of the
    /// decoding. Paths are built in the error branches, the same as
    /// `JSONReader` would give.
    public init(json: JSONValue, path: String) throws(WireError) {
        let r = JSONReader(json, path)
        try r.onlyMembers(Self.members)
        let collection = try r.member("collection").string()
        let id = try r.member("id").string()
        let vectorPath = path.isEmpty ? "vector" : "\(path).vector"
        var vector = VersionVector()
        for (i, entry) in try Self.items(try r.member("vector").value, vectorPath).enumerated() {
            let dot = try Self.dot(entry, count: 3, "\(vectorPath)[\(i)]")
            guard vector[dot.node] == nil else { throw Self.contentError("\(vectorPath)[\(i)]", "node \(dot.node) appears twice in the vector", collection, id) }
            vector.advance(to: dot)
        }
        let fieldsReader = try r.member("fields")
        var fields: [String: [Sibling]] = [:]
        for (name, list) in try Self.members(fieldsReader.value, fieldsReader.path) {
            func here() -> String { "\(fieldsReader.path).\(name)" }
            var siblings: [Sibling] = []
            for (j, item) in try Self.items(list, here()).enumerated() {
                let dot = try Self.dot(item, count: 4, "\(here())[\(j)]")
                guard !siblings.contains(where: { $0.dot == dot }) else { throw Self.contentError("\(here())[\(j)]", "the same dot appears twice", collection, id) }
                guard case .array(let parts) = item else { throw WireError("\(here())[\(j)]", "expected an array") }
                siblings.append(Sibling(dot: dot, value: try JSONReader(parts[3], "\(here())[\(j)][3]").fieldValue()))
            }
            guard !siblings.isEmpty else { throw WireError(here(), "a field needs at least one value") }
            fields[name] = siblings
        }
        var counters: [String: PNCounter] = [:]
        for (name, list) in try r.member("counters").members() {
            var totals: [NodeID: PNCounter.Totals] = [:]
            for item in try list.array() {
                let parts = try item.array(count: 3)
                let node = try parts[0].node()
                guard totals[node] == nil else { throw Self.contentError(item.path, "node \(node) appears twice", collection, id) }
                totals[node] = PNCounter.Totals(increments: try parts[1].unsigned(), decrements: try parts[2].unsigned())
            }
            counters[name] = PNCounter(totals)
        }
        self.init(collection: collection, id: id, state: RecordState(vector: vector, fields: fields, counters: counters))
    }

    private static func contentError(_ path: String, _ problem: String, _ collection: String, _ id: String) -> WireError {
        WireError(path, problem, record: Rejection(collection: collection, id: id, reason: "\(path): \(problem)"))
    }

    static let members: Set<String> = ["collection", "id", "vector", "fields", "counters"]

    static func items(_ value: JSONValue, _ path: @autoclosure () -> String) throws(WireError) -> [JSONValue] {
        guard case .array(let items) = value else { throw WireError(path(), "expected an array, got \(value.typeName)") }
        return items
    }

    private static func members(_ value: JSONValue, _ path: @autoclosure () -> String) throws(WireError) -> [(key: String, value: JSONValue)] {
        guard case .object(let members) = value else { throw WireError(path(), "expected an object, got \(value.typeName)") }
        return members
    }

    /// `[node, physical ms, logical, …]` with exactly `count` items: the
    /// dot of a vector entry (3) or of a sibling (4, the value last).
    static func dot(_ value: JSONValue, count: Int, _ path: @autoclosure () -> String) throws(WireError) -> Dot {
        let parts = try items(value, path())
        guard parts.count == count else { throw WireError(path(), "expected an array of \(count) items, got \(parts.count)") }
        guard case .int(let ms) = parts[1], ms >= 0, ms < (1 << 48) else {
            throw JSONReader(parts[1], "\(path())[1]").error(Self.problem(parts[1], "physical time out of range"))
        }
        guard UInt64(ms) >= HLCTimestamp.earliestMillis else {
            throw WireError("\(path())[1]", "write time \(ms) ms lies before 2025-01-01 (\(HLCTimestamp.earliestMillis) ms); the writing node's clock was reset: fix its clock")
        }
        guard case .int(let logical) = parts[2], logical >= 0, UInt64(logical) <= HLCTimestamp.maxLogical else {
            throw JSONReader(parts[2], "\(path())[2]").error(Self.problem(parts[2], "logical counter out of range"))
        }
        guard case .string(let name) = parts[0] else { throw WireError("\(path())[0]", "expected a string, got \(parts[0].typeName)") }
        guard let node = NodeID(rawValue: name) else { throw WireError("\(path())[0]", "invalid node id") }
        return Dot(node: node, time: HLCTimestamp(physicalMillis: UInt64(ms), logical: UInt64(logical)))
    }

    /// The message `JSONReader.unsigned()` and its range check would give.
    private static func problem(_ value: JSONValue, _ outOfRange: String) -> String {
        guard case .int(let n) = value else { return "expected an integer, got \(value.typeName)" }
        return n < 0 ? "expected a non-negative integer" : outOfRange
    }

    static func dot(_ dot: Dot) -> [JSONValue] {
        [.string(dot.node.rawValue), .int(Int64(dot.time.physicalMillis)), .int(Int64(dot.time.logical))]
    }
}
