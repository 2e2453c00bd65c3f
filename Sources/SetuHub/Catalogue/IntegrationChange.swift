/// What `updateIntegration` changes; nil leaves a property as it is.
public struct IntegrationChange: Sendable {
    public var tokenHash: [UInt8]?
    public var revoked: Bool?

    public init(tokenHash: [UInt8]? = nil, revoked: Bool? = nil) {
        self.tokenHash = tokenHash
        self.revoked = revoked
    }
}
