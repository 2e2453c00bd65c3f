import Crypto
import Foundation
import SetuCore

/// Bearer tokens: `<node id>.<64 hex digits of randomness>`.
///
/// The hub keeps only SHA-256 of the secret part. The node id in front lets
/// the hub find the one row to check without scanning, and the comparison of
/// hashes takes the same time wherever the bytes differ.
public enum NodeToken {
    /// A fresh token for `node`, shown once to the operator.
    public static func generate(for node: NodeID) -> (token: String, hash: [UInt8]) {
        let secret = newSecret()
        return ("\(node.rawValue).\(secret)", hash(secret: secret))
    }

    /// 32 random bytes as 64 lowercase hex digits: the secret part of node
    /// and admin tokens.
    static func newSecret() -> String {
        var rng = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    public static func hash(secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Splits a presented token into its node and secret, or nil if malformed.
    public static func parse(_ token: String) -> (node: NodeID, secret: String)? {
        guard let dot = token.lastIndex(of: "."), let node = NodeID(rawValue: String(token[..<dot])) else { return nil }
        let secret = String(token[token.index(after: dot)...])
        guard secret.utf8.count == 64, secret.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return (node, secret)
    }

    /// Compares two hashes in time independent of where they differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
