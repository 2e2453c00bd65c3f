import SetuCore
import SetuProtocol

/// A refusal the hub sends as a 4xx/5xx with a JSON `ErrorBody`.
public struct HubError: Error, Sendable, CustomStringConvertible {
    public let statusCode: Int
    public let body: ErrorBody
    /// The `Allow` header of a 405.
    public let allow: String?
    /// The `Retry-After` of a 503, in seconds.
    public let retryAfter: Int?

    public init(_ status: Int, _ code: String, _ message: String, records: [Rejection] = [], allow: String? = nil, retryAfter: Int? = nil) {
        self.statusCode = status
        self.body = ErrorBody(code: code, message: message, records: records)
        self.allow = allow
        self.retryAfter = retryAfter
    }

    /// The hub is answering all the sync requests it takes at once (`LoadShedder`).
    static func overloaded(limit: Int, retryAfter: Int) -> HubError {
        HubError(503, "overloaded", "the hub is answering \(limit) sync requests already; try again in \(retryAfter) s (setud does by itself); "
            + "if this lasts, the hub needs more capacity (limits.max_in_flight, or more hub processes over PostgreSQL)", retryAfter: retryAfter)
    }

    public var description: String { "HTTP \(statusCode) \(body)" }

    static func badRequest(_ code: String, _ message: String) -> HubError { HubError(400, code, message) }
    static let adminUnauthorized = HubError(401, "unauthorized", "missing, malformed, unknown or revoked admin token; an admin token comes from setu-hub admin add NAME (node tokens do not open the fleet view)")
    /// The code setud acts on by re-bootstrapping (`ErrorBody.resyncRequired`).
    static func resyncRequired(node: NodeID) -> HubError {
        HubError(410, ErrorBody.resyncRequired, "node \(node) holds the feed from before deletions the hub has since purged (it was away longer than "
            + "the purge horizon, or its replica was restored from an old backup); setud re-bootstraps by itself, keeping its unsent changes; "
            + "a setud too old to do so must be upgraded")
    }

    static let unauthorized = HubError(401, "unauthorized", "missing, malformed, unknown or revoked bearer token; ask the hub operator for a token (setu-hub node add)")
}
