import Foundation
import SetuProtocol
import SetuStore
import SetuTestSupport
import Testing

/// `docs/openapi.yaml` says exactly what the hub accepts: schemathesis
/// generates requests from it against a real hub process. A request the
/// document admits must not be refused for its form (only by the sync rules,
/// 403/422); one it refuses must be refused; every answer must match the
/// document (status, content type, body schema), and none may be a 5xx.
///
/// The seeds run one after another: four schemathesis processes at once
/// took the two cores from the rest of the suite, and each went past its
/// bound on a loaded CI machine.
@Suite(.serialized) struct OpenAPIConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Seeds 1 and 2 with a node's token (the admin routes answer it 401);
    /// seed 3 with an admin token, over the admin routes alone; seed 4 with
    /// an integration's token over the catalogue, with the document's example
    /// product listed, so its example sale is recorded.
    @Test(arguments: [1, 2, 3, 4])
    func generatedRequestsAgreeWithTheDocument(seed: Int) async throws {
        let schemathesis = Self.root.appendingPathComponent(".build-venv/bin/st")
        try #require(FileManager.default.isExecutableFile(atPath: schemathesis.path),
                     "schemathesis missing: run scripts/install-deps (it installs it into .build-venv)")
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        var token = try await hub.addNode("office-a", offices: ["upazila:rupsha", "district:khulna"])
        var only: [String] = []
        if seed == 3 {
            let admin = try await hub.command(["admin", "add", "noc"])
            try #require(admin.status == 0, "\(admin.error)")
            token = admin.output.trimmingCharacters(in: .whitespacesAndNewlines)
            only = ["--include-path-regex", "^/v1/admin"]
        }
        if seed == 4 {
            try await Self.listExampleProduct(hub, nodeToken: token)
            let integration = try await hub.command(["integration", "add", "ecom", "--office", "district:khulna", "--read", "--sell"])
            try #require(integration.status == 0, "\(integration.error)")
            token = integration.output.trimmingCharacters(in: .whitespacesAndNewlines)
            only = ["--include-path-regex", "^/v1/catalogue"]
        }
        let result = try await runProgram(schemathesis, [
            "--config-file", Self.root.appendingPathComponent("Tests/OpenAPI/schemathesis.toml").path,
            "run", Self.root.appendingPathComponent("docs/openapi.yaml").path,
            "--url", "http://127.0.0.1:\(hub.port)", "-H", "Authorization: Bearer \(token)",
        ] + only + [
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,positive_data_acceptance",
            "--phases", "examples,coverage,fuzzing", "--max-examples", "100", "--seed", String(seed), "--workers", "1", "--no-color",
        ], timeout: 600)
        if seed == 4 {
            #expect(result.output.contains("2 selected"), "both catalogue operations were tested: \(result.output.suffix(3_000))")
            // The example sale of 3 was recorded (201), so that answer was checked too.
            let (_, body) = try await hub.request("GET", "/v1/catalogue/changes", token: token, body: nil)
            guard case .array(let changes)? = try JSONParser.parse(body)["changes"], case .int(let stock)? = changes.first?["stock"] else {
                throw SupportError("no catalogue: \(String(decoding: body, as: UTF8.self))")
            }
            #expect(stock <= 9, "\(changes)")
        }
        #expect(result.status == 0, "schemathesis found disagreements:\n\(result.output.suffix(6_000))\n\(result.error.suffix(2_000))")
    }

    /// `nakshi-1` of the document's sale example, listed at district:khulna, pushed by a node.
    static func listExampleProduct(_ hub: HubProcess, nodeToken: String) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let replica = try Replica(path: dir.appendingPathComponent("office.sqlite").path, node: "office-a")
        try replica.put("products", id: "nakshi-1", [
            "office": .text("district:khulna"), "entrepreneur": .text("সালমা বেগম"), "title": .text("নকশী কাঁথা (বড়)"),
            "price_paisa": .int(350_000), "stock": .int(12), "listed": .bool(true),
        ])
        let (status, body) = try await hub.request("POST", "/v1/push", token: nodeToken, body: JSONWriter.write(try Records.pushBody(replica).json))
        try #require(status == 200, "\(String(decoding: body, as: UTF8.self))")
    }
}
