import SetuCore
import SetuTransport

/// What setud runs with, decoded and checked by the executable from
/// setud.toml; the library never reads files or the environment.
public struct DaemonSettings: Sendable {
    public var node: NodeID
    public var replicaPath: String
    public var hub: CurlOptions
    public var token: String
    public var syncIntervalSeconds: Double
    public var pageRecords: Int
    public var pageBytes: Int
    /// Pull pages grow past `pageRecords`/`pageBytes` on a fast link, up to
    /// what the hub serves (`PageSizer`); they never get smaller than those.
    public var growPages: Bool
    public var backoff: Backoff
    public var socketPath: String
    /// This node's Ed25519 key for bundles (made on first start, mode 0600).
    public var signingKeyPath: String
    /// The hub's public key as the operator set it (`hub.public_key`), for
    /// an office that never connects; else learnt from a network sync.
    public var hubPublicKey: String?

    public init(node: NodeID, replicaPath: String, hub: CurlOptions, token: String, syncIntervalSeconds: Double = 300,
                pageRecords: Int = 500, pageBytes: Int = 1 << 20, growPages: Bool = true, backoff: Backoff = Backoff(), socketPath: String = "/run/setu/setud.sock",
                signingKeyPath: String? = nil, hubPublicKey: String? = nil) {
        self.signingKeyPath = signingKeyPath ?? replicaPath + ".key"
        self.hubPublicKey = hubPublicKey
        self.node = node
        self.replicaPath = replicaPath
        self.hub = hub
        self.token = token
        self.syncIntervalSeconds = syncIntervalSeconds
        self.pageRecords = pageRecords
        self.pageBytes = pageBytes
        self.growPages = growPages
        self.backoff = backoff
        self.socketPath = socketPath
    }
}

import SetuSync
