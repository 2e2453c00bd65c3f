import Foundation
import SetuTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// setud as a real process against a real setu-hub on loopback.
@Suite(.serialized) struct SetudProcessTests {
    @Test func theSocketAPIServesRecordsStatusAndConflicts() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        #expect(try setud.ctl(["put", "services", "s1", "office=upazila:rupsha", "section=citizen", "serial=১", "name=জন্ম নিবন্ধন"]).status == 0)
        let get = try setud.ctl(["get", "services", "s1", "--json"])
        #expect(get.output.contains("\"name\":\"জন্ম নিবন্ধন\""))
        #expect(get.output.contains("\"serial\":1"))
        #expect(try setud.ctl(["sync", "--wait"]).status == 0)
        let status = try setud.ctl(["status", "--json"])
        #expect(status.output.contains("\"state\":\"idle\""))
        #expect(status.output.contains("\"pending_local_changes\":0"))
        // Bad input: a clear error, exit 5, nothing written.
        let bad = try setud.ctl(["patch", "services", "s1", "section=secret"])
        #expect(bad.status == 5)
        #expect(bad.error.contains("services.section"))
        #expect(try setud.ctl(["get", "services", "nope"]).status == 5)
        #expect(try setud.ctl(["list", "services", "--json"]).output.contains("\"records\":[{\"id\":\"s1\""))
        #expect(try setud.ctl(["conflicts", "--json"]).output == "[]\n")
    }

    @Test func sqlWritesByOtherClientsAreStampedWithinTwoSeconds() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        try setud.ctl(["put", "services", "s1", "office=upazila:rupsha", "section=citizen", "serial=1", "name=ক"])
        try setud.ctl(["sync", "--wait"])
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [setud.replicaPath, "UPDATE services SET fee = '১০০ টাকা' WHERE id = 's1'"]
        try sqlite.run()
        sqlite.waitUntilExit()
        try await Task.sleep(for: .seconds(2))
        let status = try setud.ctl(["status", "--json"]).output
        #expect(status.contains("\"pending_local_changes\":1"), "\(status)")
    }

    @Test func sigtermMidSyncExitsZeroQuicklyAndLosesNothing() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"], sync: "interval_seconds = 3600\npage_records = 20")
        defer { setud.stop() }
        try await setud.waitUntilReady()
        let insert = """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
            INSERT INTO services (id, office, section, serial, name) SELECT 's' || i, 'upazila:rupsha', 'citizen', i, 'সেবা ' || i FROM n;
            """
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [setud.replicaPath, insert]
        try sqlite.run()
        sqlite.waitUntilExit()
        try await Task.sleep(for: .seconds(2)) // stamped, and the 100 pages of push start
        setud.signal(SIGUSR1)
        try await Task.sleep(for: .milliseconds(300))
        let (status, seconds) = setud.terminate()
        #expect(status == 0)
        #expect(seconds < 10)

        // Restarted, it resumes and everything reaches the hub.
        let again = Process()
        again.executableURL = try Binaries.find("setud")
        again.arguments = ["--config", setud.configPath]
        again.standardError = FileHandle.nullDevice
        try again.run()
        defer { again.terminate(); again.waitUntilExit() }
        try await setud.waitUntilReady()
        #expect(try setud.ctl(["sync", "--wait"]).status == 0)
        let reader = try SetudProcess(node: "office-b", hub: hub, offices: ["upazila:rupsha"])
        defer { reader.stop() }
        try await reader.waitUntilReady()
        #expect(try reader.ctl(["sync", "--wait"]).status == 0)
        #expect(try reader.ctl(["status", "--json"]).output.contains("\"records_in\":2000"))
    }

    @Test func sighupWithABadConfigKeepsRunningAndSaysWhy() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        let good = try String(contentsOfFile: setud.configPath, encoding: .utf8)
        try (good + "\ncolour = \"blue\"\n").write(toFile: setud.configPath, atomically: true, encoding: .utf8)
        setud.signal(SIGHUP)
        try await Task.sleep(for: .seconds(1))
        #expect(setud.process.isRunning)
        #expect(try setud.ctl(["status"]).status == 0)
        #expect(setud.log.contains("reload failed"))
        #expect(setud.log.contains("log.colour: unknown key"))
    }

    @Test func aSecondDaemonOnTheSameReplicaIsRefused() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        let second = Process()
        second.executableURL = try Binaries.find("setud")
        second.arguments = ["--config", setud.configPath]
        second.standardError = FileHandle.nullDevice
        try second.run()
        second.waitUntilExit()
        #expect(second.terminationStatus == 75)
        #expect(try setud.ctl(["status"]).status == 0, "the first keeps its socket")
    }

    @Test func unreachableDaemonAndUsageErrorsHaveTheirExitCodes() throws {
        let ctl = Process()
        ctl.executableURL = try Binaries.find("setuctl")
        ctl.arguments = ["status", "--socket", "/tmp/no-such-setud.sock"]
        ctl.standardError = FileHandle.nullDevice
        try ctl.run()
        ctl.waitUntilExit()
        #expect(ctl.terminationStatus == 3)
        let usage = Process()
        usage.executableURL = try Binaries.find("setuctl")
        usage.arguments = ["frobnicate"]
        usage.standardError = FileHandle.nullDevice
        try usage.run()
        usage.waitUntilExit()
        #expect(usage.terminationStatus == 2)
    }
}
