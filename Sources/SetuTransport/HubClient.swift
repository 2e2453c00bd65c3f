import CompressNIO
import Foundation
import NIOCore
import SetuCore
import SetuProtocol

/// The sync protocol over a `HubTransport`: push and pull with a node's
/// bearer token, gzip request bodies, and the hub's error text in failures.
public struct HubClient: Sendable {
    public let transport: any HubTransport
    let token: String
    /// The schema version this node speaks, sent as `Setu-Schema`.
    let schemaVersion: Int

    public init(transport: any HubTransport, token: String, schemaVersion: Int = Schema.current.version) {
        self.transport = transport
        self.token = token
        self.schemaVersion = schemaVersion
    }

    /// The outcome of one exchange, with its cost on the wire.
    public struct Exchange<Value: Sendable>: Sendable {
        public let value: Value
        public let bytesSent: Int
        public let bytesReceived: Int
        /// The hub's `Date` header, for clock-skew reporting.
        public let hubDate: String?
        /// When the answer arrived. A pull page is fetched while the one
        /// before it is applied, so its answer may wait a while before it is
        /// looked at: the skew is measured against this, not against then.
        public let receivedAt: ContinuousClock.Instant
        /// The offices the hub says this node serves (`Setu-Offices`, on
        /// pull answers); nil from a hub that does not say.
        public let offices: [String]?
        /// The hub's public signing key (`Setu-Hub-Key`), which answer
        /// bundles are verified with; nil from a hub that does not say.
        public let hubKey: String?
        /// The hub holds another signing key for this node than the one sent.
        public let nodeKeyMismatch: Bool
        /// The schema version the hub speaks (`Setu-Schema`); nil from a
        /// hub that does not say.
        public let hubSchema: Int?
        /// The largest pull page the hub serves (`Setu-Page-Limits`); nil
        /// from a hub that does not say, which is asked for no more than
        /// this node's configured page.
        public let pageLimits: PageLimits?
        /// The answer's body as the hub wrote it (after gzip is undone),
        /// which a pull page's byte bound counts.
        public let bodyBytes: Int
        /// The transfer's time, request to last byte.
        public let seconds: Double

        init(value: Value, response: TransportResponse) {
            self.value = value
            self.bytesSent = response.bytesSent
            self.bytesReceived = response.bytesReceived
            self.hubDate = response.headers["date"]
            self.receivedAt = response.receivedAt
            self.offices = response.headers[SyncHeader.offices.lowercased()].map(SyncHeader.offices(from:))
            self.hubKey = response.headers[SyncHeader.hubKey.lowercased()]
            self.nodeKeyMismatch = response.headers[SyncHeader.nodeKeyStatus.lowercased()] == "mismatch"
            self.pageLimits = response.headers[SyncHeader.pageLimits.lowercased()].flatMap(PageLimits.init(header:))
            self.bodyBytes = response.body.count
            self.seconds = response.seconds
            self.hubSchema = response.headers[SyncHeader.schema.lowercased()].flatMap { Int($0) }
        }
    }

    /// `pullCursor`: this node's committed pull cursor (`SyncHeader.cursor`),
    /// so the answer can say it may move past the states just pushed.
    public func push(_ request: PushRequest, pullCursor: String? = nil) async throws -> Exchange<PushResponse> {
        var buffer = ByteBuffer(bytes: JSONWriter.write(request.json))
        let gzipped = try buffer.compress(with: .gzip())
        var headers = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"), ("Content-Encoding", "gzip"),
                       (SyncHeader.schema, String(schemaVersion))]
        if let pullCursor { headers.append((SyncHeader.cursor, pullCursor)) }
        let response = try await transport.send(TransportRequest(
            method: "POST", path: "/v1/push", headers: headers, body: Array(gzipped.readableBytesView)))
        try Self.check(response)
        return Exchange(value: try Self.decode(response) { try PushResponse(json: $0) }, response: response)
    }

    /// A page after `cursor`, or nil when the hub has nothing new (204).
    /// `report` goes with the first pull of a sync, for the hub's fleet view.
    /// `nodeKey` (this node's public signing key) too, so the hub can
    /// verify the bundles it makes.
    /// `appliesPurges`: the caller applies `PullResponse.purged` (sent as
    /// `Setu-Purge`); the hub then counts its cursor when it purges.
    /// `resyncing`: a re-bootstrap pulls, so the node's own states come too.
    /// `decoding` runs the decode of the page: in place by default; setud's
    /// sync hands it to a thread of its own (a page of thousands of states
    /// takes tens of milliseconds of CPU).
    public func pull(cursor: String?, limit: Int, maxBytes: Int, report: NodeReport? = nil, nodeKey: String? = nil,
                     appliesPurges: Bool = false, resyncing: Bool = false,
                     decoding: @Sendable (_ decode: @escaping @Sendable () throws -> PullResponse) async throws -> PullResponse = { try $0() })
        async throws -> Exchange<PullResponse?> {
        var path = "/v1/pull?limit=\(limit)&max_bytes=\(maxBytes)"
        if let cursor { path += "&cursor=\(cursor)" }
        // The states page in format 2 when the hub knows it, format 1 from
        // an older hub (it strips `version=2`), JSON from one older still
        // (it is not named: every hub answers JSON to any other Accept, and
        // each idle poll then carries 24 bytes less).
        var headers = [("Authorization", "Bearer \(token)"), (SyncHeader.schema, String(schemaVersion)), ("Accept", PullPageFormat.acceptStates)]
        if let report { headers.append((SyncHeader.report, report.headerValue)) }
        if let nodeKey { headers.append((SyncHeader.nodeKey, nodeKey)) }
        if appliesPurges { headers.append((SyncHeader.purge, "1")) }
        if resyncing { headers.append((SyncHeader.resync, "1")) }
        let response = try await transport.send(TransportRequest(method: "GET", path: path, headers: headers))
        try Self.check(response)
        guard response.status != 204 else { return Exchange(value: nil, response: response) }
        let page = try await decoding {
            try Self.decodeBody(response) { try PullPageFormat.decode($0, contentType: response.headers["content-type"]) }
        }
        return Exchange(value: page, response: response)
    }

    /// Uploads a bundle another node made (`POST /v1/bundles`); the hub's
    /// answer says what taking it in did.
    public func uploadBundle(_ bytes: [UInt8]) async throws -> Exchange<JSONValue> {
        let response = try await transport.send(TransportRequest(
            method: "POST", path: "/v1/bundles",
            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/octet-stream")], body: bytes))
        try Self.check(response)
        return Exchange(value: try Self.decode(response) { $0 }, response: response)
    }

    /// The hub's answer bundle for `node` (`GET /v1/bundles/NODE/answer`).
    public func fetchAnswer(for node: String) async throws -> Exchange<[UInt8]> {
        let response = try await transport.send(TransportRequest(
            method: "GET", path: "/v1/bundles/\(node)/answer", headers: [("Authorization", "Bearer \(token)")]))
        try Self.check(response)
        return Exchange(value: response.body, response: response)
    }

    /// Turns an HTTP error status into a `TransportError` carrying the hub's
    /// own explanation (and the records it refused, when it names them).
    static func check(_ response: TransportResponse) throws {
        guard response.status >= 400 else { return }
        // Through a plain-HTTP proxy, its 407 arrives as the answer itself.
        if response.status == 407, let refusal = TransportError.proxyRefusal(status: 407) { throw refusal }
        if let json = try? JSONParser.parse(response.body), let body = try? ErrorBody(json: json) {
            throw HubRefusal(status: response.status, body: body, retryAfterSeconds: response.headers["retry-after"].flatMap(HubRefusal.retryAfter))
        }
        throw TransportError(.http, "HTTP \(response.status) without a Setu error body; is hub.url pointing at a Setu hub?", status: response.status)
    }

    static func decode<T>(_ response: TransportResponse, _ read: (JSONValue) throws -> T) throws -> T {
        try decodeBody(response) { try read(try JSONParser.parse($0)) }
    }

    static func decodeBody<T>(_ response: TransportResponse, _ read: ([UInt8]) throws -> T) throws -> T {
        do {
            return try read(response.body)
        } catch {
            throw TransportError(.badResponse, "the hub's answer could not be read (\(error)); is hub.url pointing at a Setu hub of this version?")
        }
    }
}

/// The hub answered with an error body: a refusal, not a network failure.
public struct HubRefusal: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let body: ErrorBody
    /// The answer's `Retry-After` (a 503 from a hub past its capacity): the
    /// next attempt waits at least this long.
    public let retryAfterSeconds: Int?

    public init(status: Int, body: ErrorBody, retryAfterSeconds: Int? = nil) {
        self.status = status
        self.body = body
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Delay-seconds, the form the hub sends (bounded to a day); the
    /// HTTP-date form is not honoured, as a wrong PC clock would misread it.
    static func retryAfter(_ header: String) -> Int? {
        guard let seconds = Int(header.trimmingCharacters(in: .whitespaces)), seconds >= 0 else { return nil }
        return min(seconds, 86_400)
    }

    public var description: String { "hub refused (HTTP \(status) \(body.code)): \(body.message)" }

    /// Whether trying again later may succeed.
    public var isRetryable: Bool { status >= 500 || status == 408 || status == 429 }

    /// The hub purged deletions this node's cursor predates: re-bootstrap.
    public var requiresResync: Bool { status == 410 && body.code == ErrorBody.resyncRequired }
}
