import Foundation
import SetuTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Offices whose PC clock is years off (dead BIOS batteries), as real setud
/// processes with a simulated clock, against a real hub and an honest office.
/// The hub's clock is the reference: the office gets every record, its
/// writes are accepted with dots near the hub's time, a conflict is not won
/// by the wrong clock, and setting the clock right changes nothing else.
@Suite(.serialized) struct ClockSkewTests {
    /// setud's environment for a PC clock `days` off (negative: behind).
    ///
    /// Not libfaketime: under it the Swift runtime's timers stop firing, so
    /// setud neither syncs on its timer nor stops on SIGTERM (tried; see
    /// `SimulatedClock` in setud).
    static func clock(days: Int) -> [String: String] {
        ["SETU_SIMULATE_CLOCK_OFFSET_SECONDS": "\(days * 86_400)"]
    }

    /// The physical part of the HLC a replica has stored, against real now.
    static func storedClockOffDays(_ replica: String) async throws -> Double {
        let out = try await runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), [replica, "SELECT value >> 16 FROM setu_meta WHERE key = 'hlc'"])
        let millis = Double(out.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return (millis / 1000 - Date().timeIntervalSince1970) / 86_400
    }

    static func value(_ output: String, _ key: String) -> String? {
        guard let range = output.range(of: "\"\(key)\":") else { return nil }
        return String(output[range.upperBound...].prefix { $0 != "," && $0 != "}" })
    }

    @Test func anOfficeThreeYearsAheadIsAcceptedAndNeverWinsByItsClock() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let honest = try SetudProcess(node: "honest", hub: hub, offices: ["district:khulna"])
        defer { honest.stop() }
        try await honest.waitUntilReady()
        #expect(try await honest.ctl(["put", "services", "s1", "office=district:khulna", "section=citizen", "serial=1", "name=ক", "fee=১০ টাকা"]).status == 0)
        #expect(try await honest.ctl(["sync", "--wait"]).status == 0)

        // Offline first (a closed port), so its first writes are stamped by
        // the wrong clock alone.
        let closed = try RawSocket.boundNotListening()
        defer { close(closed.fd) }
        let ahead = try SetudProcess(node: "ahead", hub: hub, offices: ["district:khulna"],
                                     extraEnvironment: Self.clock(days: 1095), hubPort: closed.port)
        defer { ahead.stop() }
        try await ahead.waitUntilReady()
        #expect(try await ahead.ctl(["put", "services", "a1", "office=district:khulna", "section=citizen", "serial=2", "name=খ"]).status == 0)
        #expect(try await Self.storedClockOffDays(ahead.replicaPath) > 1000, "stamped by the PC's clock, 3 years ahead")

        try await ahead.restart(hubPort: hub.port, extraEnvironment: Self.clock(days: 1095))
        let sync = try await ahead.ctl(["sync", "--wait"])
        #expect(sync.status == 0, "\(sync.output)\(sync.error)")
        let status = try await ahead.ctl(["status", "--json"]).output
        #expect(status.contains("\"state\":\"clock_skew\""), "\(status)")
        #expect(status.contains("ahead of the hub's") && status.contains("timedatectl"), "the warning says what and how: \(status)")
        let skew = Int(Self.value(status, "clock_skew_seconds") ?? "") ?? 0
        #expect(abs(skew + 1095 * 86_400) < 60, "\(skew)")
        #expect(status.contains("\"pending_local_changes\":0") && status.contains("\"set_aside\":0"), "\(status)")
        #expect(abs(try await Self.storedClockOffDays(ahead.replicaPath)) < 1, "the clock restarted near the hub's time")
        #expect(try await ahead.ctl(["get", "services", "s1"]).status == 0)
        #expect(try await honest.ctl(["sync", "--wait"]).status == 0)
        #expect(try await honest.ctl(["get", "services", "a1"]).status == 0, "the hub accepted the re-stamped write")

        // Both change the same field before seeing the other's change; the
        // honest office changes it later, in real time, and wins.
        #expect(try await ahead.ctl(["patch", "services", "s1", "fee=২০ টাকা"]).status == 0)
        #expect(try await ahead.ctl(["sync", "--wait"]).status == 0)
        try await honest.restart(hubPort: closed.port)
        #expect(try await honest.ctl(["patch", "services", "s1", "fee=৩০ টাকা"]).status == 0)
        try await honest.restart(hubPort: hub.port)
        #expect(try await honest.ctl(["sync", "--wait"]).status == 0)
        #expect(try await ahead.ctl(["sync", "--wait"]).status == 0)
        for office in [ahead, honest] {
            let s1 = try await office.ctl(["get", "services", "s1", "--json"]).output
            #expect(s1.contains("\"fee\":\"৩০ টাকা\""), "\(s1)")
        }

        // The clock is set right: nothing is refused, nothing left behind.
        try await ahead.restart(hubPort: hub.port)
        #expect(try await ahead.ctl(["put", "services", "a2", "office=district:khulna", "section=citizen", "serial=3", "name=গ"]).status == 0)
        #expect(try await ahead.ctl(["sync", "--wait"]).status == 0)
        #expect(try await honest.ctl(["sync", "--wait"]).status == 0)
        #expect(try await honest.ctl(["get", "services", "a2"]).status == 0)
        let fixed = try await ahead.ctl(["status", "--json"]).output
        #expect(fixed.contains("\"state\":\"idle\""), "\(fixed)")
        #expect(abs(Int(Self.value(fixed, "clock_skew_seconds") ?? "") ?? 99) <= 2, "the hub's Date has whole seconds: \(fixed)")
    }

    @Test func anOfficeTwentyYearsBehindGetsEveryRecordAndIsAccepted() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let honest = try SetudProcess(node: "honest", hub: hub, offices: ["district:khulna"])
        defer { honest.stop() }
        try await honest.waitUntilReady()
        for n in 1...3 {
            #expect(try await honest.ctl(["put", "services", "s\(n)", "office=district:khulna", "section=citizen", "serial=\(n)", "name=সেবা \(n)"]).status == 0)
        }
        #expect(try await honest.ctl(["sync", "--wait"]).status == 0)

        let behind = try SetudProcess(node: "behind", hub: hub, offices: ["district:khulna"], extraEnvironment: Self.clock(days: -7300))
        defer { behind.stop() }
        try await behind.waitUntilReady()
        let sync = try await behind.ctl(["sync", "--wait"])
        #expect(sync.status == 0, "nothing set aside: \(sync.output)\(sync.error)")
        let list = try await behind.ctl(["list", "services", "--json"]).output
        #expect(list.contains("\"s1\"") && list.contains("\"s2\"") && list.contains("\"s3\""), "\(list)")
        let status = try await behind.ctl(["status", "--json"]).output
        #expect(status.contains("\"state\":\"clock_skew\"") && status.contains("behind the hub's"), "\(status)")
        let skew = Int(Self.value(status, "clock_skew_seconds") ?? "") ?? 0
        #expect(abs(skew - 7300 * 86_400) < 60, "\(skew)")

        #expect(try await behind.ctl(["put", "services", "b1", "office=district:khulna", "section=citizen", "serial=9", "name=ঘ"]).status == 0)
        #expect(try await behind.ctl(["sync", "--wait"]).status == 0)
        #expect(abs(try await Self.storedClockOffDays(behind.replicaPath)) < 1, "stamped near the hub's time")
        #expect(try await honest.ctl(["sync", "--wait"]).status == 0)
        #expect(try await honest.ctl(["get", "services", "b1"]).status == 0)

        try await behind.restart(hubPort: hub.port)
        #expect(try await behind.ctl(["put", "services", "b2", "office=district:khulna", "section=citizen", "serial=10", "name=ঙ"]).status == 0)
        #expect(try await behind.ctl(["sync", "--wait"]).status == 0)
        #expect(try await honest.ctl(["sync", "--wait"]).status == 0)
        #expect(try await honest.ctl(["get", "services", "b2"]).status == 0)
        #expect(try await behind.ctl(["status", "--json"]).output.contains("\"state\":\"idle\""))
    }
}
