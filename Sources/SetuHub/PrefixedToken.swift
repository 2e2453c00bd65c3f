/// Bearer tokens of the hub's non-node accounts: `<prefix><name>.<64 hex
/// digits>`, such as `admin.noc.…` and `integration.ecom.…`.
///
/// The prefix keeps them apart from node tokens at a glance (and in logs);
/// like those, the hub keeps only SHA-256 of the secret and finds the one
/// row to check by the name.
public struct PrefixedToken: Sendable {
    let prefix: String
    let isValidName: @Sendable (String) -> Bool

    /// Fleet-view admins (`setu-hub admin add NAME`).
    public static let admin = PrefixedToken(prefix: "admin.", isValidName: HubAdmin.isValidName)
    /// Catalogue integrations (`setu-hub integration add NAME`).
    public static let integration = PrefixedToken(prefix: "integration.", isValidName: HubIntegration.isValidName)

    public func generate(for name: String) -> (token: String, hash: [UInt8]) {
        let secret = NodeToken.newSecret()
        return ("\(prefix)\(name).\(secret)", NodeToken.hash(secret: secret))
    }

    /// The name and secret of a presented token, or nil if malformed.
    public func parse(_ token: String) -> (name: String, secret: String)? {
        guard token.hasPrefix(prefix), let (id, secret) = NodeToken.parse(String(token.dropFirst(prefix.count))),
              isValidName(id.rawValue) else { return nil }
        return (id.rawValue, secret)
    }
}
