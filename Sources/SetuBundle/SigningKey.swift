import Crypto
import Foundation

/// A node's (or the hub's) Ed25519 signing key, kept in a file of its own
/// with mode 0600: the private half never leaves the machine that made it.
///
/// Made on first use. A bundle carried by hand is signed with it, so a
/// carrier can neither forge nor alter what it carries.
public struct SigningKey: Sendable {
    let key: Curve25519.Signing.PrivateKey

    public init() { key = Curve25519.Signing.PrivateKey() }

    init(rawRepresentation: [UInt8]) throws { key = try Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation) }

    public var publicKey: PublicSigningKey { PublicSigningKey(key.publicKey) }

    public func signature(for bytes: some DataProtocol) throws -> [UInt8] { Array(try key.signature(for: bytes)) }

    /// Reads the key at `path`, or makes one there (mode 0600, written
    /// exclusively, so two processes starting at once keep one key).
    public static func loadOrCreate(at path: String) throws -> SigningKey {
        if let existing = try load(at: path) { return existing }
        let made = SigningKey()
        let text = "setu-signing-key-ed25519 " + Data(made.key.rawRepresentation).base64EncodedString() + "\n"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST, let raced = try load(at: path) { return raced }
            throw SigningKeyError("cannot create the signing key \(path) (\(String(cString: strerror(errno)))); check the directory and its permissions")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
        return made
    }

    /// The key at `path`, or nil when there is no file. A file readable by
    /// others is refused: anyone who could read it could sign as this node.
    public static func load(at path: String) throws -> SigningKey? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw SigningKeyError("cannot read the signing key \(path) (\(String(cString: strerror(errno))))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw SigningKeyError("the signing key \(path) may be read by others (mode \(String(info.st_mode & 0o777, radix: 8))); run chmod 600 \(path)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SigningKeyError("cannot read the signing key \(path); check that this user owns it")
        }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, parts[0] == "setu-signing-key-ed25519", let raw = Data(base64Encoded: String(parts[1])), raw.count == 32,
              let key = try? SigningKey(rawRepresentation: Array(raw)) else {
            throw SigningKeyError("\(path) is not a Setu signing key; move it away to make a new one (bundles signed with the old one are then refused)")
        }
        return key
    }
}

/// The public half, as operators copy it between machines:
/// `ed25519:<base64 of 32 bytes>`.
public struct PublicSigningKey: Hashable, Sendable, CustomStringConvertible {
    public let rawBytes: [UInt8]

    init(_ key: Curve25519.Signing.PublicKey) { rawBytes = Array(key.rawRepresentation) }

    public init?(rawBytes: [UInt8]) {
        guard rawBytes.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: rawBytes)) != nil else { return nil }
        self.rawBytes = rawBytes
    }

    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("ed25519:"), let raw = Data(base64Encoded: String(trimmed.dropFirst(8))) else { return nil }
        self.init(rawBytes: Array(raw))
    }

    public var description: String { "ed25519:" + Data(rawBytes).base64EncodedString() }

    public func isValidSignature(_ signature: [UInt8], for bytes: some DataProtocol) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawBytes) else { return false }
        return key.isValidSignature(signature, for: bytes)
    }

    public static let formatHint = "ed25519: followed by 44 base64 characters (setud --print-public-key, setu-hub key)"
}

public struct SigningKeyError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
