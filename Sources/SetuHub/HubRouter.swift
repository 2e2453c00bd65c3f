import HTTPTypes
import Hummingbird
import Logging
import SetuBundle
import SetuProtocol

/// The hub's HTTP API, versioned under `/v1` and described by
/// `docs/openapi.yaml` (a test checks the two agree).
public enum HubRouter {
    /// Every path the hub serves and its methods: a request for one of these
    /// paths with another method is 405 with `Allow`, not 404.
    static let methods: [String: [HTTPRequest.Method]] = [
        "/v1/health": [.get], "/v1/push": [.post], "/v1/pull": [.get], "/metrics": [.get],
        "/v1/admin/summary": [.get], "/v1/admin/nodes": [.get],
        "/v1/catalogue/changes": [.get], "/v1/catalogue/sales": [.post], "/v1/bundles": [.post],
        "/admin": [.get], "/admin/nodes": [.get], "/admin/login": [.get, .post], "/admin/logout": [.post],
    ]

    /// `secureCookies`: the dashboard's sign-in cookie is `Secure` (the hub
    /// serves TLS itself); behind a TLS proxy it is, when the proxy says so
    /// with `X-Forwarded-Proto: https`.
    /// `signingKey` signs answer bundles: the hub's own, from its key file
    /// (tests may leave it to a fresh one).
    public static func make(service: SyncService, metrics: HubMetrics, secureCookies: Bool = false,
                            signingKey: SigningKey = SigningKey()) -> Router<BasicRequestContext> {
        let bundles = BundleService(sync: service, key: signingKey)
        let router = Router()
        router.add(middleware: ObservabilityMiddleware(metrics: metrics))
        router.add(middleware: SheddingMiddleware(shedder: LoadShedder(limit: service.limits.maxInFlight),
                                                  retryAfter: service.limits.retryAfterSeconds))
        router.get("/v1/health") { request, _ in
            HTTPBody.response(.object([("status", .string("ok"))]), request: request)
        }
        router.post("/v1/push") { request, context in
            var request = request
            let node = try await service.authenticate(authorization: request.headers[.authorization], logger: context.logger)
            let json = try await HTTPBody.json(&request, limit: service.limits.maxBodyBytes)
            let push: PushRequest
            do {
                try service.checkBatchSize(try PushRequest.recordCount(in: json))
                push = try PushRequest(json: json)
            } catch let error as WireError {
                if let record = error.record {
                    throw HubError(422, "invalid_records", SyncService.refusal([record], of: (try? PushRequest.recordCount(in: json)) ?? 1), records: [record])
                }
                throw HubError(400, "bad_request", error.description)
            }
            let logger = context.logger.with(node: node)
            let result = try await service.push(push, from: node, cursor: request.headers[HTTPField.Name(SyncHeader.cursor)!], logger: logger)
            var response = HTTPBody.response(result.json, request: request)
            response.headers[HTTPField.Name(SyncHeader.schema)!] = String(service.schema.version)
            return response
        }
        router.get("/v1/pull") { request, context in
            let node = try await service.authenticate(authorization: request.headers[.authorization], logger: context.logger)
            var headers = officesHeader(node)
            headers[HTTPField.Name(SyncHeader.schema)!] = String(service.schema.version)
            headers[HTTPField.Name(SyncHeader.hubKey)!] = signingKey.publicKey.description
            headers[HTTPField.Name(SyncHeader.pageLimits)!] = service.limits.pageLimits.description
            if try await !bundles.learnKey(request.headers[HTTPField.Name(SyncHeader.nodeKey)!], of: node) {
                headers[HTTPField.Name(SyncHeader.nodeKeyStatus)!] = "mismatch"
            }
            let query = request.uri.queryParameters
            let cursor: String? = query["cursor"].map(String.init)
            let limit: String? = query["limit"].map(String.init)
            let maxBytes: String? = query["max_bytes"].map(String.init)
            let report: String? = request.headers[HTTPField.Name(SyncHeader.report)!]
            let appliesPurges: Bool = request.headers[HTTPField.Name(SyncHeader.purge)!] == "1"
            let resyncing: Bool = request.headers[HTTPField.Name(SyncHeader.resync)!] == "1"
            let format = PullPageFormat(accept: request.headers[.accept])
            guard let page = try await service.servePull(for: node, cursor: cursor, limit: limit, maxBytes: maxBytes, report: report,
                                                         appliesPurges: appliesPurges, resyncing: resyncing, format: format)
            else { return Response(status: .noContent, headers: headers) }
            context.logger.with(node: node).debug("pull", metadata: ["setu.records": "\(page.records)", "setu.cursor": "\(page.cursor)"])
            var response = HTTPBody.response(bytes: page.body, contentType: page.format.contentType, request: request)
            response.headers.append(contentsOf: headers)
            return response
        }
        let fleet = FleetService(storage: service.storage, now: service.now)
        router.get("/metrics") { _, _ in
            // The fleet gauges are read when scraped: one query, no lag counts.
            metrics.record(FleetSummary(try await service.storage.fleet(lag: false), nowMillis: fleet.nowMillis))
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: .init(bytes: metrics.render())))
        }
        AdminAPI.add(to: router, fleet: fleet)
        CatalogueAPI.add(to: router, catalogue: CatalogueService(storage: service.storage, metrics: metrics, now: service.now))
        Dashboard.add(to: router, fleet: fleet, secureCookies: secureCookies)
        BundleAPI.add(to: router, bundles: bundles)
        return router
    }

    /// Tells an office which offices it serves on every pull answer, so it
    /// can refuse a write for another office when it is made (the hub would
    /// refuse it for good) and retry what was set aside once one is added.
    static func officesHeader(_ node: HubNode) -> HTTPFields {
        [HTTPField.Name(SyncHeader.offices)!: SyncHeader.officesValue(node.offices)]
    }
}

/// Counts and times every request by route and status; turns unexpected
/// errors into a JSON 500 that tells the operator where to look.
struct ObservabilityMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HubMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = context.endpointPath ?? "unmatched"
        func record(_ status: Int) {
            let elapsed = ContinuousClock.now - start
            metrics.request(route: route, method: request.method.rawValue, status: status,
                            nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        do {
            let response = try await next(request, context)
            record(response.status.code)
            return response
        } catch let error as HubError {
            record(error.statusCode)
            throw error
        } catch let error as HTTPResponseError {
            if error.status == .notFound, let allowed = HubRouter.methods[request.uri.path] {
                let allow = allowed.map(\.rawValue).joined(separator: ", ")
                record(405)
                throw HubError(405, "method_not_allowed", "\(request.method.rawValue) is not served on \(request.uri.path); use \(allow)", allow: allow)
            }
            record(error.status.code)
            if error.status == .notFound {
                throw HubError(404, "not_found", "no such path; the API is under /v1 (see docs/openapi.yaml)")
            }
            throw HubError(error.status.code, "http_error", "\(error.status.reasonPhrase)")
        } catch {
            record(500)
            context.logger.error("request failed", metadata: ["setu.route": "\(route)", "setu.error": "\(error)"])
            throw HubError(500, "internal", "the hub failed to answer; see the hub's log (setu.route=\(route))")
        }
    }
}

/// Refuses a push or pull past the hub's capacity (`LoadShedder`), before
/// its token is checked or its body read: that is the work being shed.
struct SheddingMiddleware<Context: RequestContext>: RouterMiddleware {
    static var routes: Set<String> { ["/v1/push", "/v1/pull"] }
    let shedder: LoadShedder
    let retryAfter: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.routes.contains(request.uri.path) else { return try await next(request, context) }
        guard shedder.admit() else { throw HubError.overloaded(limit: shedder.limit, retryAfter: retryAfter) }
        defer { shedder.release() }
        return try await next(request, context)
    }
}

extension Logger {
    func with(node: HubNode) -> Logger {
        var logger = self
        logger[metadataKey: "setu.node"] = "\(node.id)"
        return logger
    }
}
