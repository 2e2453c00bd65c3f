import SetuCore
import SetuProtocol

/// What a bundle says about itself, in JSON at its head and signed with the
/// rest. The same type for both directions:
///
/// - an office bundle (`kind` office) is made by `node` for the hub whose
///   key is `hubKey`: its local changes up to its feed position `through`,
///   and `held`, the hub feed position it already holds, so the answer can
///   be exact;
/// - an answer (`kind` hub) is made by that hub for `node`: the hub's
///   changes in the node's scope after `held` up to `cursor`, and `through`,
///   how far the hub took in the node's own feed (its bundles' `through`).
public struct BundleHeader: Hashable, Sendable {
    public enum Kind: String, Sendable { case office, hub }

    public static let formatVersion: Int64 = 1

    public var kind: Kind
    public var node: NodeID
    public var hubKey: PublicSigningKey
    /// Counts up per maker and node: a bundle whose number is not above the
    /// last one taken in is a replay.
    public var seq: Int64
    public var createdMillis: UInt64
    public var records: Int
    public var held: Int64
    public var through: Int64
    /// Answers only: the pull cursor the node holds once it took this in.
    public var cursor: Int64?
    public var payloadBytes: Int
    public var payloadSHA256: String

    public init(kind: Kind, node: NodeID, hubKey: PublicSigningKey, seq: Int64, createdMillis: UInt64, records: Int, held: Int64,
                through: Int64, cursor: Int64? = nil, payloadBytes: Int = 0, payloadSHA256: String = "") {
        self.kind = kind
        self.node = node
        self.hubKey = hubKey
        self.seq = seq
        self.createdMillis = createdMillis
        self.records = records
        self.held = held
        self.through = through
        self.cursor = cursor
        self.payloadBytes = payloadBytes
        self.payloadSHA256 = payloadSHA256
    }

    /// "office bundle 3 of rupsha-uz (120 records)"
    public var summary: String {
        let count = records == 1 ? "1 record" : "\(records) records"
        return kind == .office ? "office bundle \(seq) of \(node) (\(count))" : "hub answer \(seq) for \(node) (\(count))"
    }

    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("format", .int(Self.formatVersion)), ("kind", .string(kind.rawValue)), ("node", .string(node.rawValue)),
            ("hub_key", .string(hubKey.description)), ("seq", .int(seq)), ("created_ms", .int(Int64(clamping: createdMillis))),
            ("records", .int(Int64(records))), ("held", .int(held)), ("through", .int(through)),
        ]
        if let cursor { members.append(("cursor", .int(cursor))) }
        members += [("payload_bytes", .int(Int64(payloadBytes))), ("payload_sha256", .string(payloadSHA256))]
        return .object(members)
    }

    init(json: JSONValue) throws(WireError) {
        let r = JSONReader(json)
        guard try r.member("format").int() == Self.formatVersion else {
            throw WireError("format", "made by another version of Setu's bundle format; upgrade Setu here")
        }
        guard let kind = Kind(rawValue: try r.member("kind").string()) else { throw WireError("kind", "expected office or hub") }
        guard let node = NodeID(rawValue: try r.member("node").string()) else { throw WireError("node", "invalid node id") }
        guard let hubKey = PublicSigningKey(try r.member("hub_key").string()) else { throw WireError("hub_key", "invalid key") }
        self.kind = kind
        self.node = node
        self.hubKey = hubKey
        seq = try r.member("seq").int()
        createdMillis = UInt64(clamping: try r.member("created_ms").int())
        records = Int(try r.member("records").int())
        held = try r.member("held").int()
        through = try r.member("through").int()
        cursor = try r.optionalMember("cursor")?.int()
        payloadBytes = Int(try r.member("payload_bytes").int())
        payloadSHA256 = try r.member("payload_sha256").string()
        guard seq > 0, records >= 0, held >= 0, through >= 0, payloadBytes >= 0 else { throw WireError("seq", "negative or zero counts") }
    }
}
