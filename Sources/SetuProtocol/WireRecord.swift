import SetuCore

/// A whole record state on the wire, as JSON:
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
public struct WireRecord: Hashable, Sendable {
    public let collection: String
    public let id: String
    public let state: RecordState

    public init(collection: String, id: String, state: RecordState) {
        self.collection = collection
        self.id = id
        self.state = state
    }

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
            ("vector", .array(state.vector.sortedEntries.map { .array(Self.dot(Dot(node: $0.node, time: $0.time))) })),
            ("fields", .object(fields)),
            ("counters", .object(counters)),
        ])
    }

    /// Reads a record; errors name the place (`path` prefixes them).
    public init(json: JSONValue, path: String) throws(WireError) {
        let r = JSONReader(json, path)
        collection = try r.member("collection").string()
        id = try r.member("id").string()
        var vector = VersionVector()
        for entry in try r.member("vector").array() {
            let dot = try entry.dot()
            guard vector[dot.node] == nil else { throw entry.error("node \(dot.node) appears twice in the vector") }
            vector.advance(to: dot)
        }
        var fields: [String: [Sibling]] = [:]
        for (name, list) in try r.member("fields").members() {
            var siblings: [Sibling] = []
            for item in try list.array() {
                let parts = try item.array(count: 4)
                let dot = try JSONReader(.array(Array(parts.prefix(3).map(\.value))), item.path).dot()
                guard !siblings.contains(where: { $0.dot == dot }) else { throw item.error("the same dot appears twice") }
                siblings.append(Sibling(dot: dot, value: try parts[3].fieldValue()))
            }
            guard !siblings.isEmpty else { throw list.error("a field needs at least one value") }
            fields[name] = siblings
        }
        var counters: [String: PNCounter] = [:]
        for (name, list) in try r.member("counters").members() {
            var totals: [NodeID: PNCounter.Totals] = [:]
            for item in try list.array() {
                let parts = try item.array(count: 3)
                let node = try parts[0].node()
                guard totals[node] == nil else { throw item.error("node \(node) appears twice") }
                totals[node] = PNCounter.Totals(increments: try parts[1].unsigned(), decrements: try parts[2].unsigned())
            }
            counters[name] = PNCounter(totals)
        }
        state = RecordState(vector: vector, fields: fields, counters: counters)
    }

    static func dot(_ dot: Dot) -> [JSONValue] {
        [.string(dot.node.rawValue), .int(Int64(dot.time.physicalMillis)), .int(Int64(dot.time.logical))]
    }
}
