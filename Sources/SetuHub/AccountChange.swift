/// What `updateNode` and `updateIntegration` change: nodes and
/// integrations are accounts of the same kind (a token, offices, a revoked
/// flag); nil leaves a property as it is.
public struct AccountChange: Sendable {
    public var tokenHash: [UInt8]?
    public var offices: [String]?
    public var revoked: Bool?

    public init(tokenHash: [UInt8]? = nil, offices: [String]? = nil, revoked: Bool? = nil) {
        self.tokenHash = tokenHash
        self.offices = offices
        self.revoked = revoked
    }
}
