import Foundation
import Hummingbird
import HummingbirdTesting
import SetuHub
import Testing

/// `docs/openapi.yaml` and the router describe the same API.
@Suite struct OpenAPIDocumentTests {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")

    /// (method, path) pairs under `paths:` of the document.
    static func documentedOperations() throws -> Set<String> {
        let lines = try String(contentsOf: document, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        var operations = Set<String>()
        var inPaths = false
        var path: String?
        for line in lines {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths, !line.isEmpty, !line.hasPrefix(" ") { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()); continue }
            for method in ["get", "post", "put", "patch", "delete"] where line == "    \(method):" {
                operations.insert("\(method.uppercased()) \(path!)")
            }
        }
        return operations
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsServed() async throws {
        try await HubHarness.with(.sqlite) { hub in
            // The dashboard's pages (/admin…) are HTML for people, not the API.
            let served = Set(hub.router.routes.map { "\($0.method) \($0.path)" }
                .filter { !$0.contains(" /admin") }
                .map { $0.replacingOccurrences(of: ":id", with: "{id}") })
            let documented = try Self.documentedOperations()
            #expect(served == documented)
            #expect(documented.count >= 7)
        }
    }

    @Test func documentedStatusesAreTheOnesTheServerSends() async throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        for status in ["\"204\"", "\"401\"", "\"403\"", "\"413\"", "\"422\""] { #expect(text.contains(status)) }
    }

    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        try await HubHarness.with(.sqlite) { hub in
            try await Application(router: hub.router).test(.router) { client in
                _ = try await client.execute(uri: "/v1/pull", method: .get)
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                let text = String(buffer: metrics.body)
                #expect(text.contains(#"setu_hub_requests_total{route="/v1/pull",method="GET",status="401"} 1"#))
                #expect(text.contains("setu_hub_request_duration_seconds_bucket"))
                #expect(text.contains("setu_hub_records_in_total"))
            }
        }
    }
}
