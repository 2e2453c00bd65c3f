/// One HTTP exchange with the hub. The seam between sync logic and the
/// network: libcurl in production, an in-process hub in some tests.
public protocol HubTransport: Sendable {
    func send(_ request: TransportRequest) async throws -> TransportResponse
}

public struct TransportRequest: Sendable {
    public var method: String
    /// Path and query, appended to the hub's base URL: `/v1/pull?cursor=9`.
    public var path: String
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(method: String, path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }
}

public struct TransportResponse: Sendable {
    public let status: Int
    /// Header names lowercased.
    public let headers: [String: String]
    /// Already gunzipped when the hub compressed it.
    public let body: [UInt8]
    public let bytesSent: Int
    public let bytesReceived: Int
    /// When the answer was complete, taken on the transfer's own thread (a
    /// task resumed later, on a busy pool, would see a later time).
    public let receivedAt: ContinuousClock.Instant
    /// Connections the transfer had to open (0: it reused a kept one).
    public let newConnections: Int
    /// From the start of the request to the last byte of the answer (the
    /// hub's work and the link's), which pull pages are sized by.
    public let seconds: Double

    public init(status: Int, headers: [String: String], body: [UInt8], bytesSent: Int = 0, bytesReceived: Int = 0,
                receivedAt: ContinuousClock.Instant = .now, newConnections: Int = 1, seconds: Double = 0) {
        self.receivedAt = receivedAt
        self.newConnections = newConnections
        self.seconds = seconds
        self.status = status
        self.headers = headers
        self.body = body
        self.bytesSent = bytesSent
        self.bytesReceived = bytesReceived
    }
}
