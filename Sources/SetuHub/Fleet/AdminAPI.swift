import Hummingbird
import SetuCore
import SetuProtocol

/// `/v1/admin`: the fleet as JSON for operators' scripts and monitoring,
/// authorised by admin tokens only (`setu-hub admin add NAME`).
enum AdminAPI {
    static func add(to router: Router<BasicRequestContext>, fleet: FleetService) {
        router.get("/v1/admin/summary") { request, context in
            _ = try await fleet.authenticate(authorization: request.headers[.authorization], logger: context.logger)
            let (summary, _) = try await fleet.summary()
            return HTTPBody.response(FleetJSON.summary(summary), request: request)
        }
        router.get("/v1/admin/nodes") { request, context in
            _ = try await fleet.authenticate(authorization: request.headers[.authorization], logger: context.logger)
            let q = request.uri.queryParameters
            let query = try FleetService.query(stale: q["stale"].map(String.init), office: q["office"].map(String.init),
                                               district: q["district"].map(String.init), state: q["state"].map(String.init))
            return HTTPBody.response(FleetJSON.nodes(try await fleet.nodes(query), nowMillis: fleet.nowMillis), request: request)
        }
        router.get("/v1/admin/nodes/:id") { request, context in
            _ = try await fleet.authenticate(authorization: request.headers[.authorization], logger: context.logger)
            let text = context.parameters.get("id") ?? ""
            guard let id = NodeID(rawValue: text), let entry = try await fleet.storage.fleetNode(id) else {
                throw HubError(404, "no_such_node", "no node \(text.prefix(64)) is registered; see GET /v1/admin/nodes")
            }
            return HTTPBody.response(FleetJSON.node(entry, nowMillis: fleet.nowMillis), request: request)
        }
    }
}
