/// Integration bearer tokens: `integration.<name>.<64 hex digits>`.
///
/// Like admin tokens: a prefix that tells them apart in logs, SHA-256 of the
/// secret kept at the hub, the name in front to find the one row to check.
public enum IntegrationToken {
    static let prefix = "integration."

    public static func generate(for name: String) -> (token: String, hash: [UInt8]) {
        let secret = NodeToken.newSecret()
        return ("\(prefix)\(name).\(secret)", NodeToken.hash(secret: secret))
    }

    /// The integration name and secret of a presented token, or nil if malformed.
    public static func parse(_ token: String) -> (name: String, secret: String)? {
        guard token.hasPrefix(prefix), let (id, secret) = NodeToken.parse(String(token.dropFirst(prefix.count))),
              HubIntegration.isValidName(id.rawValue) else { return nil }
        return (id.rawValue, secret)
    }
}
