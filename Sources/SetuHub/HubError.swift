import SetuCore
import SetuProtocol

/// A refusal the hub sends as a 4xx/5xx with a JSON `ErrorBody`.
public struct HubError: Error, Sendable, CustomStringConvertible {
    public let statusCode: Int
    public let body: ErrorBody
    /// The `Allow` header of a 405.
    public let allow: String?

    public init(_ status: Int, _ code: String, _ message: String, records: [Rejection] = [], allow: String? = nil) {
        self.statusCode = status
        self.body = ErrorBody(code: code, message: message, records: records)
        self.allow = allow
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
