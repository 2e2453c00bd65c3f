import Foundation
import Logging
import PostgresNIO
import SetuHub
import SetuTestSupport

/// A database of its own on the cluster of SETU_TEST_POSTGRES_URL (the hub
/// suite's records are in the default one), with a running client, for the
/// length of `body`; dropped afterwards.
enum BenchDatabase {
    static func with(base: String, prefix: String, _ body: (_ client: PostgresClient, _ url: String) async throws -> Void) async throws {
        let logger = Logger(label: "setu-bench")
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try PostgresHubStorage.makeClient(url: base, logger: logger)
        let url = base.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
        let client = try PostgresHubStorage.makeClient(url: url, logger: logger)
        // Unstructured, and waited for with a bound (see taskEnded).
        let adminRun = Task { await admin.run() }
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        let clientRun = Task { await client.run() }
        let outcome: Result<Void, any Error>
        do { outcome = .success(try await body(client, url)) } catch { outcome = .failure(error) }
        clientRun.cancel()
        _ = await taskEnded(clientRun, within: .seconds(10))
        _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: logger)
        adminRun.cancel()
        _ = await taskEnded(adminRun, within: .seconds(10))
        try outcome.get()
    }
}
