import Foundation
import SetuTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Tombstone purge and re-bootstrap with real processes: a real hub
/// (`setu-hub serve`, then `setu-hub purge`), two real setud and setuctl.
/// The hub's clock is moved 200 days on (SETU_SIMULATE_CLOCK_OFFSET_SECONDS)
/// so one office is away past the default 180-day horizon.
@Suite(.serialized) struct PurgeProcessTests {
    static let later = ["SETU_SIMULATE_CLOCK_OFFSET_SECONDS": "\(200 * 86_400)"]

    static func states(_ replica: String, _ id: String) async throws -> String {
        try await runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), [replica, "SELECT count(*) FROM setu_records WHERE id = '\(id)'"])
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func anOfficeAwayPastTheHorizonReBootstrapsAndItsOfflineEditReachesTheOther() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let stays = try SetudProcess(node: "stays", hub: hub, offices: ["district:khulna"])
        defer { stays.stop() }
        let away = try SetudProcess(node: "away", hub: hub, offices: ["district:khulna"])
        defer { away.stop() }
        try await stays.waitUntilReady()
        try await away.waitUntilReady()
        for (id, serial) in [("s1", 1), ("s2", 2), ("s3", 3)] {
            #expect(try await stays.ctl(["put", "services", id, "office=district:khulna", "section=citizen", "serial=\(serial)", "name=সেবা \(id)"]).status == 0)
        }
        #expect(try await stays.ctl(["sync", "--wait"]).status == 0)
        #expect(try await away.ctl(["sync", "--wait"]).status == 0)
        #expect(try await Self.states(away.replicaPath, "s1") == "1")

        // The office closes for a season: offline (a closed port), and its
        // edit waits unsent.
        let closed = try RawSocket.boundNotListening()
        defer { close(closed.fd) }
        try await away.restart(hubPort: closed.port)
        #expect(try await away.ctl(["patch", "services", "s2", "name=মৌসুম শেষে সম্পাদিত"]).status == 0)

        // 200 days later, the other office deletes s1; the purge leaves the
        // away office out.
        try await hub.restart(environment: Self.later)
        #expect(try await stays.ctl(["delete", "services", "s1"]).status == 0)
        #expect(try await stays.ctl(["sync", "--wait"]).status == 0)
        #expect(try await stays.ctl(["sync", "--wait"]).status == 0)
        let purge = try await hub.command(["purge"], environment: Self.later)
        #expect(purge.status == 0, "\(purge.error)")
        #expect(purge.output.contains("purged 1 tombstones"), "\(purge.output)")
        #expect(purge.output.contains("away past the horizon (re-bootstrap when they come back): away"), "\(purge.output)")
        #expect(try await stays.ctl(["sync", "--wait"]).status == 0)
        #expect(try await Self.states(stays.replicaPath, "s1") == "0", "the office forgot the tombstone")

        // Back online: the hub answers 410, setud re-bootstraps by itself.
        try await away.restart(hubPort: hub.port)
        let back = try await away.ctl(["sync", "--wait"])
        #expect(back.status == 0, "\(back.output)\(back.error)")
        let status = try await away.ctl(["status", "--json"]).output
        // setud synced at start already; its log says what that did.
        #expect(away.log.contains("re-bootstrap complete"), "\(away.log.suffix(2000))")
        #expect(status.contains("\"rebootstrap_pending\":0"), "\(status)")
        #expect(status.contains("\"pending_local_changes\":0"), "\(status)")
        #expect(!status.contains("\"state\":\"error\""), "\(status)")
        #expect(try await Self.states(away.replicaPath, "s1") == "0", "s1 was purged while it was away")
        #expect(try await away.ctl(["sync", "--wait"]).status == 0)
        #expect(try await stays.ctl(["sync", "--wait"]).status == 0)
        let edited = try await stays.ctl(["get", "services", "s2"])
        #expect(edited.output.contains("মৌসুম শেষে সম্পাদিত"), "the unsent edit was pushed, not lost: \(edited.output)")
        #expect(away.log.contains("pulling everything again"), "\(away.log.suffix(2000))")
    }
}
