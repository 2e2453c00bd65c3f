import Hummingbird
import NIOCore
import SetuBundle
import SetuCore
import SetuProtocol

/// `/v1/bundle/…`: bundle bytes travel over the socket, and setuctl reads
/// and writes the files as the operator (setud's sandbox cannot see a USB
/// stick, and need not).
extension ControlAPI {
    static let maxBundleBytes = 1 << 30

    static func addBundleRoutes(to router: Router<ControlContext>, desk: BundleDesk) {
        router.post("/v1/bundle/export") { _, _ in
            return octets(try await refusing { try await desk.export() }.bytes)
        }
        router.post("/v1/bundle/import") { request, _ in
            var request = request
            let bytes = try await bundleBody(&request)
            return json(try await refusing { try await desk.importAnswer(bytes) })
        }
        router.post("/v1/bundle/forward") { request, _ in
            var request = request
            let bytes = try await bundleBody(&request)
            return json(try await refusing { try await desk.forward(bytes) })
        }
        router.post("/v1/bundle/fetch") { request, _ in
            guard let text = request.uri.queryParameters["for"].map(String.init), let node = NodeID(rawValue: text) else {
                throw ControlError(400, "bad_request", "say whose answer to fetch: ?for=NODE_ID")
            }
            return octets(try await desk.fetch(for: node))
        }
    }

    static func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let refusal as BundleRefusal {
            throw ControlError(refusal.reason == .replayed ? 409 : 422, refusal.reason.rawValue, refusal.message)
        }
    }

    static func bundleBody(_ request: inout Request) async throws -> [UInt8] {
        do { return Array(try await request.collectBody(upTo: maxBundleBytes).readableBytesView) } catch {
            throw ControlError(413, "body_too_large", "bundle over \(maxBundleBytes) bytes")
        }
    }

    /// A bundle's bytes; setuctl reads its header itself (`SignedBundle.peek`).
    static func octets(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
