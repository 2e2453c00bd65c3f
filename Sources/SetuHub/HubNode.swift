import SetuCore

/// An office node registered with the hub, and what it may touch.
public struct HubNode: Hashable, Sendable {
    public let id: NodeID
    /// Office codes this node serves: it reads and writes only their records.
    public let offices: [String]
    public let createdAtMillis: Int64
    public let revoked: Bool
    /// What people call the office ("রূপসা উপজেলা আইসিটি অফিস"), for the
    /// fleet view; NFC, at most `maxNameBytes`. Optional: the id is enough
    /// to sync.
    public let name: String?

    public static let maxNameBytes = 300

    public init(id: NodeID, offices: [String], createdAtMillis: Int64, revoked: Bool, name: String? = nil) {
        self.id = id
        self.offices = offices
        self.createdAtMillis = createdAtMillis
        self.revoked = revoked
        self.name = name
    }

    /// Records owned by an office of kind `all` (`all:bangladesh`) are
    /// national: every node reads them; only nodes that list them write them.
    public static func isNational(_ office: String) -> Bool { office.hasPrefix("all:") }

    /// Ids an office node may not take: integrations count their sales
    /// under `integration:<name>`, and a node of that name could otherwise
    /// push sales in the platform's name.
    public static func isReservedID(_ id: NodeID) -> Bool { id.rawValue.hasPrefix(HubIntegration.nodePrefix) }

    public static func reservedIDMessage(_ id: NodeID) -> String {
        "node id \(id) starts with \(HubIntegration.nodePrefix), which is kept for integrations' sales; choose another id"
    }

    public func canRead(_ office: String) -> Bool { offices.contains(office) || HubNode.isNational(office) }
    public func canWrite(_ office: String) -> Bool { offices.contains(office) }
}
