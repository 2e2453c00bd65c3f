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
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D
        }
    }
}
