import Hummingbird
import SetuProtocol

/// `/v1/catalogue`: products out and sales in for outside platforms,
/// authorised by integration tokens only (`setu-hub integration add`).
enum CatalogueAPI {
    /// A sale is a few hundred bytes; anything near this is not a sale.
    static let maxSaleBodyBytes = 4_096

    static func add(to router: Router<BasicRequestContext>, catalogue: CatalogueService) {
        router.get("/v1/catalogue/changes") { request, context in
            let integration = try await catalogue.authenticate(authorization: request.headers[.authorization], needs: .read, logger: context.logger)
            let query = request.uri.queryParameters
            let page = try await catalogue.changes(for: integration, cursor: query["cursor"].map(String.init), limit: query["limit"].map(String.init))
            return HTTPBody.response(page.json, request: request)
        }
        router.post("/v1/catalogue/sales") { request, context in
            var request = request
            let integration = try await catalogue.authenticate(authorization: request.headers[.authorization], needs: .sell, logger: context.logger)
            let sale = try CatalogueSale(json: try await HTTPBody.json(&request, limit: maxSaleBodyBytes))
            let outcome = try await catalogue.record(sale, by: integration, logger: context.logger)
            return HTTPBody.response(outcome.json, status: outcome.duplicate ? .ok : .created, request: request)
        }
    }
}
