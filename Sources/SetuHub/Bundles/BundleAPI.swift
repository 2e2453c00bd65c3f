import Foundation
import Hummingbird
import NIOCore
import SetuBundle
import SetuCore
import SetuProtocol

/// `/v1/bundles`: an office that has a link carries bundles for one that
/// has none. Any active node may carry: the hub verifies the signature of
/// the node that made a bundle, never trusts the carrier with more.
enum BundleAPI {
    static let octetStream = "application/octet-stream"

    static func add(to router: Router<BasicRequestContext>, bundles: BundleService) {
        router.post("/v1/bundles") { request, context in
            var request = request
            let carrier = try await bundles.sync.authenticate(authorization: request.headers[.authorization], logger: context.logger)
            guard request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == octetStream else {
                throw HubError(415, "unsupported_media_type", "send the bundle file's bytes as Content-Type: \(octetStream)")
            }
            let limit = bundles.sync.limits.maxBundleBytes
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: limit) } catch {
                throw HubError(413, "body_too_large", "bundle over \(limit) bytes; import it at the hub (setu-hub bundle import), or raise limits.max_bundle_bytes")
            }
            do {
                let imported = try await bundles.importBundle(Array(body.readableBytesView), carrier: carrier.id, logger: context.logger.with(node: carrier))
                return HTTPBody.response(imported.json, request: request)
            } catch let refusal as BundleRefusal {
                throw HubError(refusal)
            }
        }
        router.get("/v1/bundles/:id/answer") { request, context in
            let carrier = try await bundles.sync.authenticate(authorization: request.headers[.authorization], logger: context.logger)
            let raw = try context.parameters.require("id")
            let text = raw.removingPercentEncoding ?? raw
            guard let id = NodeID(rawValue: text) else { throw HubError.badRequest("bad_node", "not a node id: \(text)") }
            let (header, bytes) = try await bundles.answer(for: id)
            context.logger.with(node: carrier).notice("answer bundle fetched", metadata: [
                "setu.for": "\(id)", "setu.seq": "\(header.seq)", "setu.records": "\(header.records)"])
            return Response(status: .ok, headers: [.contentType: octetStream], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}

extension HubError {
    /// A refused bundle: 409 for a replay (the same bundle again), 422 for
    /// the rest; the code names which check failed.
    init(_ refusal: BundleRefusal) {
        self.init(refusal.reason == .replayed ? 409 : 422, refusal.reason.rawValue, refusal.message)
    }
}
