/// How setud talks to the hub over libcurl; from the `[hub]` section of
/// setud.toml.
public struct CurlOptions: Sendable, Hashable {
    /// `https://hub.example.gov.bd` (no trailing slash).
    public var baseURL: String
    public var connectTimeoutSeconds: Int = 20
    public var totalTimeoutSeconds: Int = 120
    /// Abort when fewer than this many bytes per second flow for
    /// `lowSpeedSeconds`: a stalled 2G link is noticed, not waited on.
    public var lowSpeedBytesPerSecond: Int = 100
    public var lowSpeedSeconds: Int = 30
    /// An HTTP proxy (`http://proxy:3128`). Nil: libcurl's usual
    /// environment variables (http_proxy, https_proxy, no_proxy) apply.
    public var proxy: String?
    /// `user:password` for an authenticating proxy.
    public var proxyCredentials: String?
    public var caFile: String?
    public var clientCertificate: String?
    public var clientKey: String?
    /// TLS verification is always on, except for exactly this host name,
    /// when the config explicitly names a test hub.
    public var insecureTestHost: String?
    /// Talk HTTP over a Unix socket instead of TCP (tests, local hubs).
    public var unixSocketPath: String?
    /// The nice value of the thread each transfer runs on (receiving and
    /// gunzipping a page), nil to keep the caller's. setud's sync runs its
    /// transfers at the priority of its other sync work, so neither the
    /// office's programs nor its own status answers wait behind a page.
    public var threadNiceness: Int32?

    public init(baseURL: String) { self.baseURL = baseURL }

    /// Whether TLS certificates and host names are checked: always, except
    /// for the one host the config names as an insecure test hub.
    public var verifiesTLS: Bool { insecureTestHost == nil || insecureTestHost != host }

    /// The host part of `baseURL`.
    public var host: String? {
        guard let scheme = baseURL.range(of: "://") else { return nil }
        let rest = baseURL[scheme.upperBound...]
        let hostPort = rest.prefix { $0 != "/" }
        if hostPort.hasPrefix("[") { return String(hostPort.dropFirst().prefix { $0 != "]" }) }
        return String(hostPort.prefix { $0 != ":" })
    }
}
