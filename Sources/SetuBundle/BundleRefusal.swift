/// Why a bundle was refused. Nothing of a refused bundle is applied; the
/// message says which check failed and what to do.
public struct BundleRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case notABundle = "not_a_bundle"
        case truncated
        case damaged
        case tampered
        case wrongNode = "wrong_node"
        case wrongHub = "wrong_hub"
        case wrongKind = "wrong_kind"
        case replayed
        case unknownSigner = "unknown_signer"
        case revoked
        case missingVolume = "missing_volume"
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "bundle refused (\(reason.rawValue)): \(message)" }
}
