import Logging
import SetuCore

/// The fleet view's rules above storage: who may read it (admin tokens,
/// never node tokens) and what a listing holds.
public struct FleetService: Sendable {
    public let storage: any HubStorage
    let now: @Sendable () -> UInt64

    public init(storage: any HubStorage, now: @escaping @Sendable () -> UInt64) {
        self.storage = storage
        self.now = now
    }

    public var nowMillis: Int64 { Int64(now()) }

    /// The admin a presented token belongs to, or nil: unknown, revoked, a
    /// wrong secret, or not an admin token at all (a node's token included).
    /// Refusals are logged with the admin name, never the secret.
    public func admin(token: String?, logger: Logger) async throws -> HubAdmin? {
        guard let token else { return nil }
        guard let (name, secret) = PrefixedToken.admin.parse(token) else {
            logger.warning("refused admin token", metadata: ["setu.reason": "not an admin token (admin.<name>.<64 hex digits>)"])
            return nil
        }
        guard let (admin, stored) = try await storage.adminCredentials(of: name),
              NodeToken.constantTimeEqual(stored, NodeToken.hash(secret: secret)), !admin.revoked else {
            logger.warning("refused admin token", metadata: ["setu.admin": "\(name)", "setu.reason": "unknown, revoked or wrong secret"])
            return nil
        }
        return admin
    }

    /// The admin behind `Authorization: Bearer …`, or 401.
    public func authenticate(authorization: String?, logger: Logger) async throws -> HubAdmin {
        let token = authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let admin = try await admin(token: token, logger: logger) else { throw HubError.adminUnauthorized }
        return admin
    }

    public func nodes(_ query: FleetQuery) async throws -> [FleetNode] {
        query.apply(to: try await storage.fleet(lag: true), nowMillis: nowMillis)
    }

    public func summary() async throws -> (FleetSummary, [FleetNode]) {
        let fleet = try await storage.fleet(lag: true)
        let now = nowMillis
        return (FleetSummary(fleet, nowMillis: now), FleetQuery().apply(to: fleet, nowMillis: now))
    }

    /// `stale`, `office`, `district` and `state` query parameters, checked.
    public static func query(stale: String?, office: String?, district: String?, state: String?) throws -> FleetQuery {
        for (name, value) in [("office", office), ("district", district)] where (value?.unicodeScalars.count ?? 0) > 64 {
            throw HubError.badRequest("bad_\(name)", "\(name) must be at most 64 characters (an office code is)")
        }
        var query = FleetQuery(officePrefix: office.flatMap { $0.isEmpty ? nil : $0 }, district: district.flatMap { $0.isEmpty ? nil : $0 })
        if let stale, !stale.isEmpty {
            guard let millis = RelativeTime.parseDuration(stale) else {
                throw HubError.badRequest("bad_stale", "stale must be a duration such as 90m, 24h or 7d (got \(stale.prefix(20)))")
            }
            query.staleForMillis = millis
        }
        if let state, !state.isEmpty {
            guard let parsed = FleetState(rawValue: state) else {
                throw HubError.badRequest("bad_state", "state must be one of \(FleetState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.state = parsed
        }
        return query
    }
}
