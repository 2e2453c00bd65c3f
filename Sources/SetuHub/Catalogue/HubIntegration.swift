import SetuCore

/// An outside platform allowed into the catalogue (`setu-hub integration
/// add`): the national e-commerce service reading products and recording
/// sales. It has a token of its own and a scope of offices like a node, but
/// it never syncs: it sees resolved product rows only, never requests or
/// services, and never the replication state.
public struct HubIntegration: Hashable, Sendable {
    /// 1–48 lowercase letters, digits and `-`.
    public let name: String
    /// Office codes whose products it may read and sell.
    public let offices: [String]
    /// May read `GET /v1/catalogue/changes`.
    public let canRead: Bool
    /// May record sales (`POST /v1/catalogue/sales`).
    public let canSell: Bool
    public let createdAtMillis: Int64
    public let revoked: Bool

    public init(name: String, offices: [String], canRead: Bool, canSell: Bool, createdAtMillis: Int64, revoked: Bool) {
        self.name = name
        self.offices = offices
        self.canRead = canRead
        self.canSell = canSell
        self.createdAtMillis = createdAtMillis
        self.revoked = revoked
    }

    /// Node ids starting so are kept for integrations: `setu-hub node add`
    /// refuses them, so a sale's counter entry can never be mistaken for an
    /// office's own.
    public static let nodePrefix = "integration:"

    /// The replica name its sales are counted under in `products.stock`:
    /// every office sees "sold online" as this node's decrements.
    public var nodeID: NodeID { NodeID(rawValue: Self.nodePrefix + name)! }

    public static func isValidName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...48).contains(bytes.count), bytes.first != 0x2D else { return false }
        return bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    /// Sales only for products of the offices it was given. (What it reads,
    /// its offices and national products, is the storage's catalogue query.)
    public func canSell(_ office: String) -> Bool { offices.contains(office) }
}
