import SetuCore

/// A purged record on the wire: `{"collection": "services", "id": "s1",
/// "vector": [["office-a", 1800000000000, 3]]}`, the vector as in a record.
extension PurgedRecord {
    public var json: JSONValue {
        .object([
            ("collection", .string(collection)),
            ("id", .string(id)),
            ("vector", .array(vector.sorted.map { .array(ReplicatedRecord.dot(Dot(node: $0.node, time: $0.time))) })),
        ])
    }

    public init(json: JSONValue, path: String) throws(WireError) {
        let r = JSONReader(json, path)
        try r.onlyMembers(["collection", "id", "vector"])
        let vectorPath = path.isEmpty ? "vector" : "\(path).vector"
        var vector = VersionVector()
        for (i, entry) in try ReplicatedRecord.items(try r.member("vector").value, vectorPath).enumerated() {
            let dot = try ReplicatedRecord.dot(entry, count: 3, "\(vectorPath)[\(i)]")
            guard vector[dot.node] == nil else { throw WireError("\(vectorPath)[\(i)]", "node \(dot.node) appears twice in the vector") }
            vector.advance(to: dot)
        }
        self.init(collection: try r.member("collection").string(), id: try r.member("id").string(), vector: vector)
    }
}
