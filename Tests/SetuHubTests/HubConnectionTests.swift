import Foundation
import Logging
import SetuCore
import SetuStore
import SetuSync
import SetuTestSupport
import SetuTransport
import Testing

/// The hub on real sockets: idle, slow and lying clients are dropped, and a
/// crowd of them cannot keep a real office from syncing.
@Suite struct HubConnectionTests {
    static let shortTimeouts = """
        idle_timeout_seconds = 2
        header_timeout_seconds = 2
        body_timeout_seconds = 3
        """

    @Test func aSenderThatTricklesHeadersIsAnswered408AndDropped() async throws {
        // An idle timeout longer than the header timeout: the 408 comes first.
        let hub = try HubProcess(server: "idle_timeout_seconds = 30\nheader_timeout_seconds = 2")
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let slow = try RawSocket(port: hub.port)
        let request = Array("GET /v1/health HTTP/1.1\r\nHost: hub\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n".utf8)
        var sent = 0
        // One byte every 200 ms: the headers would take 20 s, the hub allows 2.
        let dropped = await waitUntil(seconds: 15) {
            slow.poll()
            if !slow.closedByPeer, sent < request.count { slow.send([request[sent]]); sent += 1 }
            return slow.closedByPeer
        }
        #expect(dropped, "the hub still held a connection after \(sent) header bytes")
        #expect(slow.text.hasPrefix("HTTP/1.1 408"), "\(slow.text)")
        #expect(slow.text.contains(#""code":"header_timeout""#))
    }

    @Test func aBodyShorterThanItsContentLengthDoesNotPinTheConnection() async throws {
        let hub = try HubProcess(server: Self.shortTimeouts)
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
        let liar = try RawSocket(port: hub.port)
        liar.send("POST /v1/push HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"records\":[")
        let dropped = await waitUntil(seconds: 15) { liar.poll(); return liar.closedByPeer }
        #expect(dropped, "a false Content-Length pinned the connection")
    }

    /// An office pushing over a slow link when systemd stops the hub: the
    /// hub must exit on its own within setu-hub.service's TimeoutStopSec
    /// (15 s), not wait out the 300 s body timeout and be killed.
    @Test func sigtermWithAPushHalfReceivedExitsBeforeSystemdWouldKill() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
        let slow = try RawSocket(port: hub.port)
        slow.send("POST /v1/push HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"records\":[")
        // A request after it, answered: the hub's event loops have run since.
        #expect(try await hub.request("GET", "/v1/health", token: nil, body: nil).0 == 200)
        let (status, seconds) = hub.terminate(within: 30)
        #expect(status == 0, "setu-hub was still running 30 s after SIGTERM")
        #expect(seconds < 15, "setu-hub took \(seconds) s to stop")
        #expect(hub.log.contains("shutdown"), "the hub says it cut the push short: \(hub.log)")
    }

    @Test func anOversizedHeaderGetsAJSONError() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let client = try RawSocket(port: hub.port)
        client.send("GET /v1/health HTTP/1.1\r\nHost: hub\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n")
        let answered = await waitUntil(seconds: 15) { client.poll(); return client.closedByPeer || client.text.contains("}}") }
        #expect(answered)
        #expect(client.text.hasPrefix("HTTP/1.1 431"), "\(client.text.prefix(200))")
        #expect(client.text.lowercased().contains("content-type: application/json"))
        #expect(client.text.contains(#""code":"headers_too_large""#))
    }

    /// 2,000 idle sockets and 300 slow senders against a hub with systemd's
    /// default descriptor limit, while a real office pushes and another pulls.
    @Test func thousandsOfIdleAndSlowSocketsDoNotStopARealOffice() async throws {
        let hub = try HubProcess(server: Self.shortTimeouts, descriptorLimit: 1_024)
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-crowd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func office(_ node: NodeID) throws -> (Replica, SyncEngine) {
            let replica = try Replica(path: dir.appendingPathComponent("\(node).sqlite").path, node: node)
            var options = CurlOptions(baseURL: "http://127.0.0.1:\(hub.port)")
            options.totalTimeoutSeconds = 60
            let client = HubClient(transport: CurlTransport(options: options), token: try hub.addNode(node.rawValue, offices: ["upazila:rupsha"]))
            return (replica, SyncEngine(replica: replica, client: client, pageRecords: 500, logger: Logger(label: "test")))
        }
        let (a, engineA) = try office("office-a")
        let (b, engineB) = try office("office-b")
        for i in 1...50 {
            try a.put("services", id: "s\(i)", ["office": .text("upazila:rupsha"), "section": .text("citizen"), "serial": .int(Int64(i)), "name": .text("সেবা \(i)")])
        }

        let slow = try (0..<300).map { _ in try RawSocket(port: hub.port) }
        for socket in slow { socket.send("G") }
        let idle = try (0..<2_000).map { _ in try RawSocket(port: hub.port, wait: false) }
        // The slow senders go on, a byte a second each, while the office syncs.
        let trickle = Task {
            for byte in Array("ET /v1/health HTTP/1.1\r\n".utf8) {
                try await Task.sleep(for: .seconds(1))
                for socket in slow { socket.send([byte]) }
            }
        }
        defer { trickle.cancel() }

        let pushed = try await engineA.syncOnce()
        #expect(pushed.pushedRecords == 50)
        _ = try await engineB.syncOnce()
        #expect(try a.canonicalDump() == b.canonicalDump())
        #expect(try await hub.request("GET", "/v1/health", token: nil, body: nil, timeout: 30).0 == 200)

        // And the hub let go of every idle and slow socket by itself.
        let released = await waitUntil(seconds: 60) {
            for socket in slow + idle { socket.poll() }
            return (slow + idle).allSatisfy(\.closedByPeer)
        }
        let held = (slow + idle).filter { !$0.closedByPeer }.count
        #expect(released, "\(held) of \(slow.count + idle.count) sockets still held open by the hub")
    }
}
