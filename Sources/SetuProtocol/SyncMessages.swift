import SetuCore

/// `POST /v1/push` body: a batch of whole record states.
public struct PushRequest: Hashable, Sendable {
    public let records: [ReplicatedRecord]

    public init(records: [ReplicatedRecord]) { self.records = records }

    public var json: JSONValue { .object([("records", .array(records.map(\.json)))]) }

    /// How many records a push body holds, read before decoding any of them,
    /// so the hub can refuse a batch over its limit (`max_push_records`)
    /// without decoding it.
    public static func recordCount(in json: JSONValue) throws(WireError) -> Int {
        try JSONReader(json).member("records").array().count
    }

    public init(json: JSONValue) throws(WireError) {
        try JSONReader(json).onlyMembers(["records"])
        let items = try JSONReader(json).member("records").array()
        var records: [ReplicatedRecord] = []
        records.reserveCapacity(items.count)
        for item in items { records.append(try ReplicatedRecord(json: item.value, path: item.path)) }
        self.records = records
    }
}

/// `POST /v1/push` answer.
public struct PushResponse: Hashable, Sendable {
    /// States that changed the hub.
    public let changed: Int
    /// States the hub had already seen (a replayed batch: all of them).
    public let unchanged: Int
    /// The pull cursor the pusher may take instead of the one it sent
    /// (`SyncHeader.cursor`): every position between the two holds one of
    /// the states just pushed, which the pusher has. Absent when anything
    /// else lay between them (or no cursor was sent, or nothing changed).
    public let cursor: String?

    public init(changed: Int, unchanged: Int, cursor: String? = nil) {
        self.changed = changed
        self.unchanged = unchanged
        self.cursor = cursor
    }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("changed", .int(Int64(changed))), ("unchanged", .int(Int64(unchanged)))]
        if let cursor { members.append(("cursor", .string(cursor))) }
        return .object(members)
    }

    public init(json: JSONValue) throws(WireError) {
        let r = JSONReader(json)
        changed = Int(try r.member("changed").int())
        unchanged = Int(try r.member("unchanged").int())
        cursor = try r.optionalMember("cursor")?.string()
    }
}

/// `GET /v1/pull` answer: a page of the hub's feed for this node.
public struct PullResponse: Hashable, Sendable {
    public let records: [ReplicatedRecord]
    /// Records the hub purged (or purged before it got a new state of them,
    /// which is then in `records`): drop them before applying `records`.
    /// Sent only to nodes that say they apply them (`Setu-Purge`); omitted
    /// from the JSON when empty, so older nodes read the same answer.
    public let purged: [PurgedRecord]
    /// Opaque: send it back as `cursor` to continue.
    public let cursor: String
    /// Whether more changes wait beyond this page.
    public let more: Bool

    public init(records: [ReplicatedRecord], purged: [PurgedRecord] = [], cursor: String, more: Bool) {
        self.records = records
        self.purged = purged
        self.cursor = cursor
        self.more = more
    }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("records", .array(records.map(\.json)))]
        if !purged.isEmpty { members.append(("purged", .array(purged.map(\.json)))) }
        members += [("cursor", .string(cursor)), ("more", .bool(more))]
        return .object(members)
    }

    public init(json: JSONValue) throws(WireError) {
        let r = JSONReader(json)
        records = try r.member("records").array().map { (item: JSONReader) throws(WireError) -> ReplicatedRecord in
            try ReplicatedRecord(json: item.value, path: item.path)
        }
        purged = try (r.optionalMember("purged")?.array() ?? []).map { (item: JSONReader) throws(WireError) -> PurgedRecord in
            try PurgedRecord(json: item.value, path: item.path)
        }
        cursor = try r.member("cursor").string()
        guard case .bool(let more) = try r.member("more").value else { throw WireError("more", "expected a boolean") }
        self.more = more
    }
}

/// The body of every 4xx/5xx answer: a code to branch on, a message for a
/// person, and the records at fault when there are some.
public struct ErrorBody: Hashable, Sendable, CustomStringConvertible {
    public let code: String
    public let message: String
    public let records: [Rejection]

    public init(code: String, message: String, records: [Rejection] = []) {
        self.code = code
        self.message = message
        self.records = records
    }

    public var description: String { "\(code): \(message)" }

    /// The code of a 410 to a pull: this node's cursor predates a purge, so
    /// it must re-bootstrap (setud does, keeping its unsent changes).
    public static let resyncRequired = "resync_required"

    public var json: JSONValue {
        var error: [(key: String, value: JSONValue)] = [("code", .string(code)), ("message", .string(message))]
        if !records.isEmpty {
            error.append(("records", .array(records.map {
                .object([("collection", .string($0.collection)), ("id", .string($0.id)), ("reason", .string($0.reason))])
            })))
        }
        return .object([("error", .object(error))])
    }

    public init(json: JSONValue) throws(WireError) {
        let e = try JSONReader(json).member("error")
        code = try e.member("code").string()
        message = try e.member("message").string()
        records = try (e.optionalMember("records")?.array() ?? []).map { (r: JSONReader) throws(WireError) -> Rejection in
            Rejection(collection: try r.member("collection").string(), id: try r.member("id").string(), reason: try r.member("reason").string())
        }
    }
}

/// Headers of the sync protocol, named and written once for both ends.
public enum SyncHeader {
    /// On every pull answer: the offices the calling node serves,
    /// comma-separated (office codes hold no comma).
    public static let offices = "Setu-Offices"

    /// On the first pull of each sync: the office's `NodeReport`.
    public static let report = "Setu-Report"

    /// On the first pull of each sync: the office's public signing key
    /// (`ed25519:…`), so the hub can verify its bundles (learnt on first use).
    public static let nodeKey = "Setu-Node-Key"

    /// On pull answers: the hub's public signing key, which the office
    /// verifies answer bundles with.
    public static let hubKey = "Setu-Hub-Key"

    /// On a pull answer when the hub holds another key for this node than
    /// the one it sent (`mismatch`): its bundles would be refused.
    public static let nodeKeyStatus = "Setu-Node-Key-Status"

    /// On every push and pull, both ways: the schema version (`Schema`) the
    /// sender speaks. Nodes of different versions sync all the same (states
    /// carry what either does not know); this says what the other shows.
    public static let schema = "Setu-Schema"

    /// On pushes: the pusher's committed pull cursor. When nothing else in
    /// its offices lies past it, the answer's `PushResponse.cursor` moves
    /// it past the pushed states, and the next pull is an idle 204 instead
    /// of a page that only skips them.
    public static let cursor = "Setu-Cursor"

    /// On pulls, from nodes that apply purge notices (`PullResponse.purged`):
    /// `1`. The hub counts only such a node's cursor as acknowledging the
    /// feed, so an older node holds back purges in its offices instead of
    /// keeping tombstones the others forgot.
    public static let purge = "Setu-Purge"

    /// On pulls while a node re-bootstraps: `1`. The hub then sends the
    /// node's own states too (it skips them otherwise, as the node holds
    /// them): a listed state the hub does not send again was purged.
    public static let resync = "Setu-Resync"

    /// On pull answers: the largest page the hub serves (`PageLimits`), so
    /// an office on a fast link may ask for larger pages than its own.
    public static let pageLimits = "Setu-Page-Limits"

    public static func officesValue(_ offices: [String]) -> String { offices.joined(separator: ",") }

    public static func offices(from value: String) -> [String] {
        value.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
