import Foundation
import SetuTestSupport
import Testing

/// `docs/openapi.yaml` says exactly what the hub accepts: schemathesis
/// generates requests from it against a real hub process. A request the
/// document admits must not be refused for its form (only by the sync rules,
/// 403/422); one it refuses must be refused; every answer must match the
/// document (status, content type, body schema), and none may be a 5xx.
@Suite struct OpenAPIConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Seeds 1 and 2 with a node's token (the admin routes answer it 401);
    /// seed 3 with an admin token, over the admin routes alone.
    @Test(arguments: [1, 2, 3])
    func generatedRequestsAgreeWithTheDocument(seed: Int) async throws {
        let schemathesis = Self.root.appendingPathComponent(".build-venv/bin/st")
        try #require(FileManager.default.isExecutableFile(atPath: schemathesis.path),
                     "schemathesis missing: run scripts/install-deps (it installs it into .build-venv)")
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        var token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
        var only: [String] = []
        if seed == 3 {
            let admin = try await hub.command(["admin", "add", "noc"])
            try #require(admin.status == 0, "\(admin.error)")
            token = admin.output.trimmingCharacters(in: .whitespacesAndNewlines)
            only = ["--include-path-regex", "^/v1/admin"]
        }
        let result = try await runProgram(schemathesis, [
            "--config-file", Self.root.appendingPathComponent("Tests/OpenAPI/schemathesis.toml").path,
            "run", Self.root.appendingPathComponent("docs/openapi.yaml").path,
            "--url", "http://127.0.0.1:\(hub.port)", "-H", "Authorization: Bearer \(token)",
        ] + only + [
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,positive_data_acceptance",
            "--phases", "examples,coverage,fuzzing", "--max-examples", "100", "--seed", String(seed), "--workers", "1", "--no-color",
        ])
        #expect(result.status == 0, "schemathesis found disagreements:\n\(result.output.suffix(6_000))\n\(result.error.suffix(2_000))")
    }
}
