import Foundation
import SetuTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A hub past its capacity answers 503 with `Retry-After` at once instead of
/// letting requests queue for seconds (issue 18), and setud honours it: its
/// status says why it is not syncing and when it tries again, not ok.
/// Real processes: `setu-hub serve` with room for one sync request, held by
/// a push whose body never comes; a real setud asking meanwhile.
@Suite struct LoadSheddingTests {
    static func value(_ output: String, _ key: String) -> String? {
        guard let range = output.range(of: "\"\(key)\":") else { return nil }
        return String(output[range.upperBound...].prefix { $0 != "," && $0 != "}" }).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    @Test func aFullHubSheds503WithRetryAfterAndSetudWaitsThatLong() async throws {
        let hub = try HubProcess(server: "body_timeout_seconds = 120", limits: "max_in_flight = 1\nretry_after_seconds = 600")
        defer { hub.stop() }
        try await hub.waitUntilServing()
        // The one place: a node's push whose headers came and whose body
        // never does (a stalled upload on a slow link).
        let token = try await hub.addNode("office-slow", offices: ["district:khulna"])
        let holder = try RawSocket(port: hub.port)
        #expect(holder.send("POST /v1/push HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 100\r\n\r\n{"))

        let office = try SetudProcess(node: "office-a", hub: hub, offices: ["district:khulna"], sync: "interval_seconds = 5\npage_records = 500")
        defer { office.stop() }
        try await office.waitUntilReady()
        var status = ""
        let refused = try await waitUntil(seconds: 30) {
            status = try await office.ctl(["status", "--json"]).output
            return status.contains("503")
        }
        #expect(refused, "\(status)")
        #expect(status.contains("overloaded"), "\(status)")
        #expect(!status.contains("\"state\":\"idle\""), "status must not look ok: \(status)")
        // Retry-After 600 s: the next attempt at least ten minutes away,
        // where its own backoff after one failure would be under 5 s.
        let next = Self.value(status, "next_sync_at").flatMap { ISO8601DateFormatter().date(from: $0) }
        #expect(next.map { $0.timeIntervalSinceNow > 590 } ?? false, "\(status)")
        #expect(office.log.contains("503"), "the shed is logged: \(office.log)")

        // The place freed, the office syncs when asked.
        shutdown(holder.fd, Int32(SHUT_RDWR))
        var sync: (status: Int32, output: String, error: String) = (1, "", "")
        let synced = try await waitUntil(seconds: 30) {
            sync = try await office.ctl(["sync", "--wait"])
            return sync.status == 0
        }
        #expect(synced, "\(sync.output)\(sync.error)")
    }
}
