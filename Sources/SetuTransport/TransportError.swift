/// Why a request to the hub failed, in categories an operator can act on.
public struct TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The hub's name did not resolve: no network, or a wrong hub.url.
        public static let dns = Kind(name: "dns")
        /// Nothing accepted the connection: hub down, or a firewall.
        public static let connect = Kind(name: "connect")
        /// The TLS handshake or certificate check failed.
        public static let tls = Kind(name: "tls")
        /// The request took longer than the total timeout.
        public static let timeout = Kind(name: "timeout")
        /// Data stopped flowing (below the low-speed limit): a stalled link.
        public static let stalled = Kind(name: "stalled")
        /// The proxy refused or failed.
        public static let proxy = Kind(name: "proxy")
        /// The connection broke mid-request.
        public static let reset = Kind(name: "reset")
        /// The answer was not HTTP, or not what the protocol promises.
        public static let badResponse = Kind(name: "bad_response")
        /// The hub answered with an HTTP error status.
        public static let http = Kind(name: "http")
        public var description: String { name }
    }

    public let kind: Kind
    public let message: String
    /// The HTTP status, for `.http`.
    public let status: Int?

    public init(_ kind: Kind, _ message: String, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
    }

    public var description: String {
        status.map { "\(kind) \($0): \(message)" } ?? "\(kind): \(message)"
    }

    /// Whether trying again later may succeed (everything but a refusal of
    /// the request itself, by the hub or by the office's proxy).
    public var isRetryable: Bool {
        guard kind == .http || kind == .proxy, let status else { return true }
        return status >= 500 || status == 408 || status == 429
    }

    /// An office proxy's refusal, from the status it answered (to a CONNECT,
    /// or to a request it forwards): 407 wants credentials, others refuse
    /// the hub. Nil for a status that is not the proxy's refusal. Nothing
    /// changes by waiting, so it is not retryable, and it is not "offline".
    public static func proxyRefusal(status: Int) -> TransportError? {
        switch status {
        case 407:
            return TransportError(.proxy, "the office proxy wants credentials, or refused the ones given (HTTP 407); "
                + "set hub.proxy_credentials = \"user:password\" in setud.toml, then systemctl reload setud", status: 407)
        case 400..<600:
            return TransportError(.proxy, "the office proxy refused the connection to the hub (HTTP \(status) to CONNECT); "
                + "ask the office's network administrator to allow hub.url through the proxy", status: status)
        default:
            return nil
        }
    }
}
