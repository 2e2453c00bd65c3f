import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import SetuCore
@testable import SetuHub
import SetuProtocol
import SetuStore
import SetuTestSupport

/// The two storage backends every hub test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

import Testing

/// A hub on one backend, with its router, for a test's duration.
struct HubHarness: Sendable {
    let storage: any HubStorage
    let service: SyncService
    let metrics: HubMetrics
    let clock: TestClock

    /// A router over this hub (routers are not Sendable, so one per use).
    var router: Router<BasicRequestContext> { HubRouter.make(service: service, metrics: metrics) }

    /// Registers a node and returns its bearer token.
    func addNode(_ id: NodeID, offices: [String]) async throws -> String {
        let (token, hash) = NodeToken.generate(for: id)
        try await storage.addNode(HubNode(id: id, offices: offices, createdAtMillis: 0, revoked: false), tokenHash: hash)
        return token
    }

    /// Runs `body` with a fresh hub on `backend`.
    static func with<T: Sendable>(_ backend: Backend, limits: SyncLimits = SyncLimits(), schema: Schema = .current,
                                  _ body: @Sendable (HubHarness) async throws -> T) async throws -> T {
        let logger = Logger(label: "setu-hub-test")
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-hub-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let storage = try SQLiteHubStorage(path: dir.appendingPathComponent("hub.sqlite").path)
            try await storage.migrate()
            return try await body(make(storage, limits: limits, schema: schema))
        case .postgres:
            return try await TestPostgres.withDatabase(logger: logger) { client in
                let storage = PostgresHubStorage(client: client, logger: logger)
                try await storage.migrate()
                return try await storage.listening { try await body(make(storage, limits: limits, schema: schema)) }
            }
        }
    }

    static func make(_ storage: any HubStorage, limits: SyncLimits, schema: Schema = .current) -> HubHarness {
        let metrics = HubMetrics()
        let clock = TestClock()
        let service = SyncService(storage: storage, limits: limits, metrics: metrics, schema: schema, now: { clock.now })
        return HubHarness(storage: storage, service: service, metrics: metrics, clock: clock)
    }
}

final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000)
    var now: UInt64 { lock.withLock { millis } }
    /// Moves the hub's time on (a node away for months, in a test).
    func advance(days: Double) { lock.withLock { millis += UInt64(days * 86_400_000) } }
}

/// A fresh database on the test cluster that scripts/with-postgres starts.
enum TestPostgres {
    static var url: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["SETU_TEST_POSTGRES_URL"] else {
                throw HubStorageError("SETU_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts PostgreSQL")
            }
            return url
        }
    }

    static func withDatabase<T: Sendable>(logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await withDatabase(logger: logger) { client, _ in try await body(client) }
    }

    /// Also hands over the database's URL, for hub processes started by the test.
    ///
    /// Order matters: the test's client is stopped before its database is
    /// dropped; a pool left running against a dropped database keeps
    /// reconnecting and never stops.
    ///
    /// postgres-nio 1.33.2's `PostgresClient.run()` sometimes never returns
    /// once cancelled, with no connection left open (seen here about once in
    /// three full runs, and it hung a CI run for its whole 90 minutes). So
    /// CREATE and DROP go through one client that runs for the whole test
    /// process and is never cancelled, and a test's own client gets a bounded
    /// wait for its end: past it the test goes on, and says so on stderr.
    static func withDatabase<T: Sendable>(logger: Logger, _ body: @Sendable (PostgresClient, String) async throws -> T) async throws -> T {
        let base = try url
        let admin = try Admin.shared(url: base, logger: logger)
        let name = "setu_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        let databaseURL = base.replacingOccurrences(of: "/postgres?", with: "/\(name)?")
        try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        let client = try PostgresHubStorage.makeClient(url: databaseURL, logger: logger)
        let running = Task { await client.run() }
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body(client, databaseURL))
        } catch {
            outcome = .failure(error)
        }
        running.cancel()
        if await !taskEnded(running, within: .seconds(30)) {
            FileHandle.standardError.write(Data("note: PostgresClient.run() for \(name) did not return 30 s after its cancellation (postgres-nio); the test goes on\n".utf8))
        }
        _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: logger)
        return try outcome.get()
    }

    /// The client on the cluster's `postgres` database that creates and
    /// drops the tests' databases: started once, never stopped.
    enum Admin {
        private static let lock = NSLock()
        nonisolated(unsafe) private static var client: PostgresClient?

        static func shared(url: String, logger: Logger) throws -> PostgresClient {
            try lock.withLock {
                if let client { return client }
                let made = try PostgresHubStorage.makeClient(url: url, logger: logger)
                Task.detached { await made.run() }
                client = made
                return made
            }
        }
    }
}

/// Office replicas that make real record states to push.
final class OfficeReplicas {
    let dir: URL
    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-offices-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: dir) }

    func replica(_ node: NodeID, schema: Schema = .current) throws -> Replica {
        try Replica(path: dir.appendingPathComponent("\(node).sqlite").path, node: node, options: ReplicaOptions(schema: schema))
    }
}

enum Records {
    static func service(office: String = "upazila:rupsha", serial: Int64 = 1, name: String = "জন্ম নিবন্ধন") -> [String: FieldValue] {
        ["office": .text(office), "section": .text("citizen"), "serial": .int(serial), "name": .text(name)]
    }

    static let product: [String: FieldValue] = ["office": .text("district:khulna"), "entrepreneur": .text("রহিমা বেগম"),
                                                "title": .text("নকশী কাঁথা"), "price_paisa": .int(250_000), "stock": .int(3)]

    /// Everything `replica` changed, as a push body.
    static func pushBody(_ replica: Replica, for peer: NodeID? = nil) throws -> PushRequest {
        PushRequest(records: try replica.feed(after: 0, limit: 1_000, for: peer).entries.map {
            ReplicatedRecord(collection: $0.record.collection, id: $0.record.id, state: $0.record.state)
        })
    }
}

extension TestClientProtocol {
    /// A request with a bearer token and a JSON (or raw) body.
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String?, json: JSONValue? = nil, raw: [UInt8]? = nil,
              headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        let bytes = raw ?? json.map(JSONWriter.write)
        if bytes != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: $0) })
    }
}

extension TestResponse {
    var json: JSONValue {
        get throws { try JSONParser.parse(body.readableBytesView) }
    }

    var errorCode: String? {
        (try? json).flatMap { try? ErrorBody(json: $0).code }
    }
}

extension PostgresHubStorage {
    /// Runs `body` with the change listener `setu-hub serve` runs, once it
    /// listens: the hub tests on PostgreSQL answer idle polls from the cache,
    /// as a serving hub does.
    func listening<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let listener = Task { try await changeListener.run() }
        let outcome: Result<T, any Error>
        do {
            guard await waitUntil(seconds: 30, { changeListener.isListening }) else {
                throw HubStorageError("the change listener did not start listening within 30 s")
            }
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        // Ended before the test's client is stopped, so it holds no connection then.
        listener.cancel()
        _ = await listener.result
        return try outcome.get()
    }
}
