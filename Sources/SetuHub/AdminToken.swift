import Crypto
import Foundation

/// Admin bearer tokens: `admin.<name>.<64 hex digits>`.
///
/// The `admin.` prefix keeps them apart from node tokens at a glance (and
/// in logs); like those, the hub keeps only SHA-256 of the secret and finds
/// the one row to check by the name.
public enum AdminToken {
    static let prefix = "admin."

    public static func generate(for name: String) -> (token: String, hash: [UInt8]) {
        let secret = NodeToken.newSecret()
        return ("\(prefix)\(name).\(secret)", NodeToken.hash(secret: secret))
    }

    /// The admin name and secret of a presented token, or nil if malformed.
    public static func parse(_ token: String) -> (name: String, secret: String)? {
        guard token.hasPrefix(prefix), let (id, secret) = NodeToken.parse(String(token.dropFirst(prefix.count))),
              HubAdmin.isValidName(id.rawValue) else { return nil }
        return (id.rawValue, secret)
    }
}
