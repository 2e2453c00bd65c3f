import SetuCore

/// A person or system allowed to read the fleet view (`/v1/admin`,
/// `/admin`): a token of its own, separate from node tokens, so a node's
/// token never opens the fleet and revoking an admin touches no office.
public struct HubAdmin: Hashable, Sendable {
    /// 1–64 letters, digits, `.`, `_`, `-` (like a node id, without `:`).
    public let name: String
    public let createdAtMillis: Int64
    public let revoked: Bool

    public init(name: String, createdAtMillis: Int64, revoked: Bool) {
        self.name = name
        self.createdAtMillis = createdAtMillis
        self.revoked = revoked
    }

    public static func isValidName(_ text: String) -> Bool {
        NodeID.isValid(text) && !text.utf8.contains(0x3A)
    }
}
