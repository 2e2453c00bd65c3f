import Foundation
import Logging
import SetuCore
import SetuProtocol
import SetuStore
import SetuSync
import SetuTestSupport
import SetuTransport
import Synchronization
import Testing

/// A node's own push does not come back to it as a page of nothing: the
/// push answer moves its pull cursor past the states it just pushed when
/// nothing else lay in between, and the sync's closing pull (the one that
/// carries the fleet report) is an idle 204. Anything another office wrote
/// in between still arrives.
@Suite struct OwnPushTests {
    /// Every answer a node got, by method and status, with the records of each pull page.
    final class RecordingTransport: HubTransport, @unchecked Sendable {
        let inner: CurlTransport
        let answers = Mutex<[(method: String, status: Int, pulled: Int?)]>([])

        init(_ inner: CurlTransport) { self.inner = inner }

        func send(_ request: TransportRequest) async throws -> TransportResponse {
            let response = try await inner.send(request)
            let pulled = request.method == "GET" && response.status == 200 ? try? PullPageFormat.decode(response.body, contentType: response.headers["content-type"]).records.count : nil
            answers.withLock { $0.append((request.method, response.status, pulled)) }
            return response
        }

        func take() -> [(method: String, status: Int, pulled: Int?)] { answers.withLock { a in defer { a = [] }; return a } }
    }

    final class Office {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-own-\(UUID().uuidString)")
        let replica: Replica
        let engine: SyncEngine
        let transport: RecordingTransport

        init(_ node: NodeID, hub: HubProcess) throws {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            replica = try Replica(path: dir.appendingPathComponent("replica.sqlite").path, node: node)
            var options = CurlOptions(baseURL: "http://127.0.0.1:\(hub.port)")
            options.totalTimeoutSeconds = 30
            transport = RecordingTransport(CurlTransport(options: options))
            let client = HubClient(transport: transport, token: try hub.addNode(node.rawValue, offices: ["upazila:rupsha"]))
            engine = SyncEngine(replica: replica, client: client, logger: Logger(label: "test"))
        }

        deinit { try? FileManager.default.removeItem(at: dir) }

        func put(_ id: String, _ name: String) throws {
            try replica.put("services", id: id, ["office": .text("upazila:rupsha"), "section": .text("citizen"), "serial": .int(1), "name": .text(name)])
        }

        /// A sync as setud runs it: with a report, so a sync that moved records ends with one more pull.
        func sync() async throws -> SyncReport {
            try await engine.syncOnce(nodeReport: NodeReport(version: SetuVersion.current, pending: 0))
        }
    }

    @Test func aNodesOwnPushIsNotSentBackAsAnEmptyPage() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let a = try Office("office-a", hub: hub)
        defer { withExtendedLifetime(a) {} }
        for round in 0..<3 {
            for i in 0..<5 { try a.put("s\(round)-\(i)", "সেবা \(round)-\(i)") }
            let report = try await a.sync()
            #expect(report.pushedRecords == 5)
            let answers = a.transport.take()
            #expect(answers.filter { $0.method == "GET" && $0.status == 200 }.isEmpty,
                    "round \(round): every pull after the push is an idle 204, got \(answers)")
            #expect(answers.map(\.method) == ["GET", "POST", "GET"])
        }
        let idle = try await a.sync()
        #expect(idle.requests == 1)
    }

    @Test func aWriteFromAnotherOfficeInBetweenStillArrives() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let a = try Office("office-a", hub: hub)
        let b = try Office("office-b", hub: hub)
        defer { withExtendedLifetime((a, b)) {} }
        try a.put("a1", "ক")
        _ = try await a.sync()
        // b writes after a's last pull and before a's push: a's cursor is
        // not moved past b's state, which its closing pull then brings.
        try b.put("b1", "খ")
        _ = try await b.sync()
        try a.put("a2", "গ")
        _ = a.transport.take()
        let report = try await a.sync()
        #expect(report.pulledRecords >= 1)
        #expect(try a.replica.record("services", id: "b1") != nil)
        // And after b's push comes another of a's: both cursors end where the hub is.
        try b.put("b2", "ঘ")
        _ = try await b.sync()
        _ = try await a.sync()
        _ = try await b.sync()
        #expect(try a.replica.canonicalDump() == b.replica.canonicalDump())
        #expect(try await a.sync().requests == 1)
        #expect(try await b.sync().requests == 1)
    }
}
