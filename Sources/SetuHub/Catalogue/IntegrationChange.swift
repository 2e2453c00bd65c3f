/// What `updateIntegration` changes; nil leaves a property as it is.
public struct IntegrationChange: Sendable {
    public var tokenHash: [UInt8]?
    public var offices: [String]?
    public var revoked: Bool?

    public init(tokenHash: [UInt8]? = nil, offices: [String]? = nil, revoked: Bool? = nil) {
        self.tokenHash = tokenHash
        self.offices = offices
        self.revoked = revoked
    }
}
