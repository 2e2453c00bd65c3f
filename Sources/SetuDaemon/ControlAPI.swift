import Foundation
import Hummingbird
import SetuBundle
import SetuCore
import SetuProtocol
import SetuStore
import SetuSync

/// setud's HTTP/JSON API on its Unix socket (`curl --unix-socket` works).
/// Errors are JSON `ErrorBody`s, as on the hub.
public enum ControlAPI {
    /// `signingKey`: this node's key for bundles (nil: no bundle routes).
    public static func router(loop: SyncLoop, access: ControlAccessPolicy, signingKey: SigningKey? = nil) -> Router<ControlContext> {
        let replica = loop.replica
        let router = Router(context: ControlContext.self)
        router.add(middleware: ControlErrorMiddleware(loop: loop))
        router.add(middleware: WriteAccessMiddleware(policy: access))
        router.get("/v1/status") { request, _ in
            json(await loop.currentStatus().json)
        }
        router.post("/v1/sync") { request, _ in
            guard request.uri.queryParameters["wait"] == "true" else {
                await loop.triggerSync()
                return json(.object([("state", .string("triggered"))]), status: .accepted)
            }
            switch await loop.syncAndWait() {
            case .success(let report):
                // Not "ok" while writes are set aside, by this sync or an
                // earlier one (a write's own sync often ran before the one
                // waited for): the client says how many and why, exit 6.
                let waiting = try replica.rejections()
                let listed = report.setAside.isEmpty
                    ? waiting.prefix(20).map { Rejection(collection: $0.collection, id: $0.id, reason: $0.reason) }
                    : Array(report.setAside.prefix(20))
                return json(.object([
                    ("result", .string(waiting.isEmpty && report.setAside.isEmpty ? "ok" : "set_aside")),
                    ("records_in", .int(Int64(report.pulledRecords))), ("records_out", .int(Int64(report.pushedRecords))),
                    ("set_aside", .int(Int64(report.setAside.count))), ("set_aside_total", .int(Int64(waiting.count))),
                    ("requests", .int(Int64(report.requests))),
                    ("set_aside_records", .array(listed.map(rejectionJSON))),
                ]))
            case .failure(let failure):
                throw ControlError(502, "sync_failed", failure.message)
            }
        }
        addRejectRoutes(to: router, loop: loop)
        if let signingKey { addBundleRoutes(to: router, desk: BundleDesk(loop: loop, key: signingKey)) }
        router.get("/v1/conflicts") { _, _ in
            // Concurrent values first, then products sold past zero: both
            // wait for a person, and both are the same on every replica.
            json(.array(try replica.conflicts().map { conflictJSON($0, cap: replica.schema.siblingCap) } + replica.oversold().map(oversoldJSON)))
        }
        router.post("/v1/conflicts/:collection/:id/:field") { request, context in
            let (collection, id, field) = try (context.parameters.require("collection"), context.parameters.require("id"), context.parameters.require("field"))
            var request = request
            let body = try await bodyJSON(&request)
            let receipt: WriteReceipt
            if field == RecordState.deletedField {
                guard case .bool(let keep)? = body["keep"] else { throw ControlError(400, "bad_request", "send {\"keep\": true} to keep the record or false to delete it") }
                receipt = try await SyncEngine.onTheWriteThread { try replica.resolveDeletion(collection, id: id, keep: keep) }
            } else {
                guard let value = body["value"] else { throw ControlError(400, "bad_request", "send {\"value\": …} with the value to keep") }
                let chosen = try JSONReader(value, "value").fieldValue()
                receipt = try await SyncEngine.onTheWriteThread { try replica.patch(collection, id: id, [field: chosen]) }
            }
            await loop.triggerSync()
            return json(.object([("resolved", .bool(true)), ("dot", .string(receipt.dot.description))]))
        }
        router.get("/v1/records/:collection") { request, context in
            let collection = try context.parameters.require("collection")
            let limit = Int(request.uri.queryParameters["limit"].map(String.init) ?? "100") ?? 100
            guard (1...1_000).contains(limit) else { throw ControlError(400, "bad_limit", "limit must be 1…1000") }
            let page = try replica.list(collection, after: request.uri.queryParameters["after"].map(String.init), limit: limit)
            return json(.object([
                ("records", .array(page.records.map(recordJSON))),
                ("next", page.next.map(JSONValue.string) ?? .null),
            ]))
        }
        router.get("/v1/records/:collection/:id") { _, context in
            let (collection, id) = try (context.parameters.require("collection"), context.parameters.require("id"))
            guard let record = try replica.record(collection, id: id), record.values != nil else {
                throw ControlError(404, "not_found", "\(collection)/\(id): no such record")
            }
            return json(recordJSON(record))
        }
        router.put("/v1/records/:collection/:id") { request, context in
            try await write(request, context, loop: loop) { try replica.put($0, id: $1, $2) }
        }
        router.patch("/v1/records/:collection/:id") { request, context in
            try await write(request, context, loop: loop) { try replica.patch($0, id: $1, $2) }
        }
        router.delete("/v1/records/:collection/:id") { _, context in
            let (collection, id) = try (context.parameters.require("collection"), context.parameters.require("id"))
            _ = try await SyncEngine.onTheWriteThread { try replica.delete(collection, id: id) }
            await loop.triggerSync()
            return json(.object([("deleted", .bool(true))]))
        }
        router.post("/v1/records/:collection/:id/adjust/:field") { request, context in
            let (collection, id, field) = try (context.parameters.require("collection"), context.parameters.require("id"), context.parameters.require("field"))
            var request = request
            guard case .int(let delta)? = try await bodyJSON(&request)["by"] else {
                throw ControlError(400, "bad_request", "send {\"by\": N} with a whole number, e.g. 5 or -2")
            }
            _ = try await SyncEngine.onTheWriteThread { try replica.adjust(collection, id: id, field: field, by: delta) }
            await loop.triggerSync()
            return json(recordJSON(try replica.record(collection, id: id)!))
        }
        router.post("/v1/import/:collection") { request, context in
            let collection = try context.parameters.require("collection")
            var request = request
            let body = JSONReader(try await bodyJSON(&request, limit: importBodyLimit))
            let records = try body.member("records").array().map { item -> (id: String, values: [String: FieldValue]) in
                let fields = try item.member("fields").members().map { ($0.0, try $0.1.fieldValue()) }
                return (try item.member("id").string(), Dictionary(fields, uniquingKeysWith: { a, _ in a }))
            }
            // Checked here, written on the write thread: while one page is
            // written, the next is read and checked (setuctl sends two at once).
            let checked = try replica.checkedImport(collection, records)
            let (written, unchanged) = try await SyncEngine.onTheWriteThread { try replica.importRecords(checked) }
            if written > 0 { await loop.triggerSync() }
            return json(.object([("written", .int(Int64(written))), ("unchanged", .int(Int64(unchanged)))]))
        }
        let metrics = DaemonMetrics()
        router.get("/metrics") { _, _ in
            let text = metrics.render(await loop.currentStatus())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: .init(bytes: text)))
        }
        return router
    }

    static func write(_ request: Request, _ context: ControlContext, loop: SyncLoop,
                      _ body: @escaping @Sendable (String, String, [String: FieldValue]) throws -> WriteReceipt) async throws -> Response {
        let (collection, id) = try (context.parameters.require("collection"), context.parameters.require("id"))
        var request = request
        let json = try await bodyJSON(&request)
        let fields = try JSONReader(json).members().map { (name, value) in (name, try value.fieldValue()) }
        let values = Dictionary(fields, uniquingKeysWith: { a, _ in a })
        _ = try await SyncEngine.onTheWriteThread { try body(collection, id, values) }
        await loop.triggerSync()
        guard let record = try loop.replica.record(collection, id: id) else { throw ControlError(500, "internal", "written record not found") }
        return Self.json(recordJSON(record))
    }

    /// An import page's body limit: `setuctl import` sends pages of up to
    /// `ImportFile.pageBytes`, as fewer, larger transactions import faster.
    static let importBodyLimit = 8 << 20

    static func bodyJSON(_ request: inout Request, limit: Int = 1 << 20) async throws -> JSONValue {
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: limit) } catch {
            throw ControlError(413, "body_too_large", "request body over \(limit >> 20) MiB")
        }
        do { return try JSONParser.parse(buffer.readableBytesView) } catch { throw ControlError(400, "bad_json", error.description) }
    }

    static func recordJSON(_ record: StoredRecord) -> JSONValue {
        let spec = Collections.named(record.collection)!
        var members: [(key: String, value: JSONValue)] = [("id", .string(record.id))]
        for field in spec.fields { members.append((field.name, JSONValue(record.values?[field.name] ?? .null))) }
        return .object(members)
    }

    /// `values`: each distinct value once, with every node that wrote it
    /// (`node` is its newest writer). `cap` is how many siblings a field
    /// keeps; `at_cap` says this one holds that many, so a further
    /// concurrent write may drop its oldest (RecordState.capped(at:)).
    static func conflictJSON(_ conflict: FieldConflict, cap: Int) -> JSONValue {
        .object([
            ("collection", .string(conflict.collection)), ("id", .string(conflict.id)), ("field", .string(conflict.field)),
            ("kind", .string(conflict.isDeleteConflict ? "delete" : "values")),
            ("shown", JSONValue(conflict.shown)), ("needs_review", .bool(conflict.needsReview)),
            ("opened_at_ms", .int(Int64(conflict.openedAt.physicalMillis))),
            ("values", .array(conflict.values.map { value in .object([
                ("node", .string(value.dots.last!.node.rawValue)), ("nodes", .array(value.dots.map { .string($0.node.rawValue) })),
                ("value", JSONValue(value.value)),
            ]) })),
            ("cap", .int(Int64(cap))), ("at_cap", .bool(conflict.siblings.count >= cap)),
        ])
    }

    /// An oversold product in the conflict list's shape: `values` holds
    /// each node's net move of the stock (sold online by an integration,
    /// sold or restocked here), `shown` the stock below zero.
    static func oversoldJSON(_ product: OversoldProduct) -> JSONValue {
        .object([
            ("collection", .string("products")), ("id", .string(product.id)), ("field", .string("stock")), ("kind", .string("oversold")),
            ("shown", .int(product.stock)), ("needs_review", .bool(true)), ("opened_at_ms", .null),
            ("values", .array(product.contributions.map { .object([("node", .string($0.node.rawValue)), ("value", .int($0.net))]) })),
        ])
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.write(value))))
    }
}

/// A refusal from the control API.
struct ControlError: Error, HTTPResponseError {
    let code: Int
    let body: ErrorBody

    init(_ code: Int, _ name: String, _ message: String) {
        self.code = code
        self.body = ErrorBody(code: name, message: message)
    }

    var status: HTTPResponse.Status { .init(code: code) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        ControlAPI.json(body.json, status: status)
    }
}

/// Maps engine errors to JSON answers: validation → 422 naming the field,
/// missing records → 404, the rest → 500 with the error text.
struct ControlErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let loop: SyncLoop

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ControlError {
            throw error
        } catch let error as ValidationError {
            throw ControlError(422, error.code.name, error.message)
        } catch let error as ReplicaError where error.code == .notFound {
            throw ControlError(404, "not_found", error.description)
        } catch let error as ReplicaError {
            throw ControlError(422, error.code.name, error.description)
        } catch let error as WireError {
            throw ControlError(400, "bad_request", error.description)
        } catch let error as HTTPResponseError {
            throw ControlError(error.status.code, "http_error", error.status.reasonPhrase)
        } catch {
            if let problem = loop.replica.lockProblem(in: error) {
                throw ControlError(503, "replica_busy", "\(problem): nothing was written; try again once that program commits or closes")
            }
            // A write that failed for the disk also shows in status.
            if let problem = loop.replica.diskProblem(in: error) {
                await loop.noteLocalWriteFailure(error)
                throw ControlError(507, "local_write_failed", problem)
            }
            throw ControlError(500, "internal", "\(error)")
        }
    }
}

/// A record set aside, as the control API shows it.
func rejectionJSON(_ rejection: Rejection) -> JSONValue {
    .object([("collection", .string(rejection.collection)), ("id", .string(rejection.id)), ("reason", .string(rejection.reason))])
}
