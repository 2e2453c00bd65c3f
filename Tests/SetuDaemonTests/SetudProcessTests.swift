import Foundation
import SetuTestSupport
import SetuTransport
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
        #expect(try await setud.ctl(["put", "services", "s1", "office=upazila:rupsha", "section=citizen", "serial=১", "name=জন্ম নিবন্ধন"]).status == 0)
        let get = try await setud.ctl(["get", "services", "s1", "--json"])
        #expect(get.output.contains("\"name\":\"জন্ম নিবন্ধন\""))
        #expect(get.output.contains("\"serial\":1"))
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)
        let status = try await setud.ctl(["status", "--json"])
        #expect(status.output.contains("\"state\":\"idle\""))
        #expect(status.output.contains("\"pending_local_changes\":0"))
        // Bad input: a clear error, exit 5, nothing written.
        let bad = try await setud.ctl(["patch", "services", "s1", "section=secret"])
        #expect(bad.status == 5)
        #expect(bad.error.contains("services.section"))
        #expect(bad.error.components(separatedBy: "invalid_value").count == 2, "the error code is printed once: \(bad.error)")
        #expect(try await setud.ctl(["get", "services", "nope"]).status == 5)
        #expect(try await setud.ctl(["list", "services", "--json"]).output.contains("\"records\":[{\"id\":\"s1\""))
        #expect(try await setud.ctl(["conflicts", "--json"]).output == "[]\n")
    }

    @Test func sqlWritesByOtherClientsAreStampedWithinTwoSeconds() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        try await setud.ctl(["put", "services", "s1", "office=upazila:rupsha", "section=citizen", "serial=1", "name=ক"])
        try await setud.ctl(["sync", "--wait"])
        _ = try await runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), [setud.replicaPath, "UPDATE services SET fee = '১০০ টাকা' WHERE id = 's1'"])
        let stamped = await waitUntil(seconds: 2) { (try? await setud.ctl(["status", "--json"]).output.contains("\"pending_local_changes\":1")) == true }
        let status = (try? await setud.ctl(["status", "--json"]).output) ?? ""
        #expect(stamped, "\(status)")
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
        #expect(try await runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), [setud.replicaPath, insert]).status == 0)
        // Stamped, then a sync asked for: SIGTERM comes while it runs (status says so).
        // A stamp of the rows may start a sync by itself; either way, one runs.
        let stamped = await waitUntil(seconds: 30) {
            guard let status = try? await setud.ctl(["status", "--json"]).output else { return false }
            return status.contains("\"state\":\"syncing\"") || status.contains("\"pending_local_changes\":2000")
        }
        #expect(stamped)
        setud.signal(SIGUSR1)
        let syncing = await waitUntil(seconds: 30) { (try? await setud.ctl(["status", "--json"]).output.contains("\"state\":\"syncing\"")) == true }
        #expect(syncing, "the sync was running when SIGTERM came")
        let (status, seconds) = setud.terminate()
        #expect(status == 0)
        #expect(seconds < 10)

        // Restarted, it resumes and everything reaches the hub.
        let again = try ChildProcess(try Binaries.find("setud").path, ["--config", setud.configPath])
        defer { again.stop() }
        try await setud.waitUntilReady()
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)
        let reader = try SetudProcess(node: "office-b", hub: hub, offices: ["upazila:rupsha"])
        defer { reader.stop() }
        try await reader.waitUntilReady()
        #expect(try await reader.ctl(["sync", "--wait"]).status == 0)
        #expect(try await reader.ctl(["status", "--json"]).output.contains("\"records_in\":2000"))
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
        #expect(await waitUntil(seconds: 30) { setud.log.contains("reload failed") })
        #expect(setud.process.isRunning)
        #expect(try await setud.ctl(["status"]).status == 0)
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
        let second = try await runProgram(try Binaries.find("setud"), ["--config", setud.configPath])
        #expect(second.status == 75)
        #expect(try await setud.ctl(["status"]).status == 0, "the first keeps its socket")
    }

    /// SO_PEERCRED: with the socket opened to everyone (0666), another uid
    /// may read but not change; the socket's group, as primary or
    /// supplementary group, may change. Needs root to switch uid.
    @Test(.enabled(if: getuid() == 0, "switching to another uid needs root"))
    func mutatingCallsFromAnotherUIDOutsideTheSocketsGroupAreRefused() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        let operators: gid_t = 4242
        #expect(chown(setud.socketPath, 0, operators) == 0 && chmod(setud.socketPath, 0o666) == 0)
        let put = ["put", "services", "s1", "office=upazila:rupsha", "section=citizen", "serial=1", "name=x"]

        let stranger = ["--reuid=65534", "--regid=65534", "--clear-groups"]
        let refused = try await setud.ctl(put, as: stranger)
        #expect(refused.status == 5, "\(refused)")
        #expect(refused.error.contains("uid 65534 may read but not change"))
        #expect(try await setud.ctl(["get", "services", "s1"]).status == 5, "nothing was written")
        #expect(try await setud.ctl(["delete", "services", "s1"], as: stranger).status == 5)
        #expect(try await setud.ctl(["sync"], as: stranger).status != 0)
        #expect(try await setud.ctl(["status", "--json"], as: stranger).status == 0, "reading is allowed")
        #expect(setud.log.contains("refused a change from a peer outside the socket's group"))

        #expect(try await setud.ctl(put, as: ["--reuid=65534", "--regid=\(operators)", "--clear-groups"]).status == 0, "primary group")
        #expect(try await setud.ctl(["patch", "services", "s1", "name=y"], as: ["--reuid=65534", "--regid=65534", "--groups=\(operators)"]).status == 0,
                "supplementary group")
        #expect(try await setud.ctl(["get", "services", "s1", "--json"]).output.contains("\"name\":\"y\""))
    }

    @Test func unreachableDaemonAndUsageErrorsHaveTheirExitCodes() throws {
        #expect(try runProgram(try Binaries.find("setuctl"), ["status", "--socket", "/tmp/no-such-setud.sock"]).status == 3)
        #expect(try runProgram(try Binaries.find("setuctl"), ["frobnicate"]).status == 2)
    }

    /// An office proxy that wants credentials: the sync fails, says so with
    /// the fix, and status shows an error, not "offline, will retry".
    @Test func aProxyWantingCredentialsIsAVisibleErrorWithTheFix() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let proxy = try MisbehavingServer(.proxyAuthRequired)
        defer { proxy.stop() }
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"],
                                     extraEnvironment: ["no_proxy": "", "NO_PROXY": ""],
                                     hubSettings: "proxy = \"http://127.0.0.1:\(proxy.port)\"")
        defer { setud.stop() }
        try await setud.waitUntilReady()
        let sync = try await setud.ctl(["sync", "--wait"])
        #expect(sync.status == 4, "\(sync.output)\(sync.error)")
        #expect(sync.error.contains("proxy_credentials"), "\(sync.error)")
        let status = try await setud.ctl(["status", "--json"]).output
        #expect(status.contains("\"state\":\"error\""), "\(status)")
        #expect(status.contains("proxy_credentials"), "\(status)")
    }

    /// A socket the caller may not open says so and names the group to join
    /// (it said "no daemon listening" before).
    @Test(.enabled(if: getuid() == 0, "switching to another uid needs root"))
    func aSocketYouMayNotUseNamesItsGroup() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        #expect(chown(setud.socketPath, 0, 4242) == 0 && chmod(setud.socketPath, 0o660) == 0)
        let denied = try await setud.ctl(["status"], as: ["--reuid=65534", "--regid=65534", "--clear-groups"])
        #expect(denied.status == 5, "\(denied)")
        #expect(denied.error.contains("permission denied") && denied.error.contains("4242") && denied.error.contains("usermod"), "\(denied.error)")
        #expect(!denied.error.contains("no daemon listening"))
    }

    /// $SETU_SOCKET names the socket; all three executables print one version.
    @Test func setuSocketAndVersions() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        var environment = ProcessInfo.processInfo.environment
        environment["SETU_SOCKET"] = setud.socketPath
        let status = try await runProgram(try Binaries.find("setuctl"), ["status", "--json"], environment: environment)
        #expect(status.status == 0, "\(status.error)")
        var versions: [String] = []
        for name in ["setud", "setuctl", "setu-hub"] {
            let result = try await runProgram(try Binaries.find(name), ["--version"])
            #expect(result.status == 0, "\(name): \(result.error)")
            versions.append(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(Set(versions).count == 1 && !versions[0].isEmpty, "\(versions)")
        #expect(status.output.contains("\"version\":\"\(versions[0])\""), "status reports the same version")
    }

    /// `sync --wait` waits for a sync longer than 30 s (the control client
    /// gave up at 30 s while setud went on): here a proxy that never answers
    /// holds the sync for 40 s, until setud's own low-speed limit ends it.
    @Test func syncWaitWaitsAsLongAsTheSyncRuns() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let stall = try MisbehavingServer(.stall)
        defer { stall.stop() }
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"],
                                     extraEnvironment: ["no_proxy": "", "NO_PROXY": ""], totalTimeoutSeconds: 120,
                                     hubSettings: "proxy = \"http://127.0.0.1:\(stall.port)\"\nlow_speed_seconds = 40")
        defer { setud.stop() }
        try await setud.waitUntilReady()
        let started = Date()
        let sync = try await setud.ctl(["sync", "--wait"])
        #expect(Date().timeIntervalSince(started) >= 35, "setuctl waited for setud's answer")
        #expect(sync.status == 4, "the sync's own failure, not an unreachable daemon: \(sync.error)")
        #expect(sync.error.contains("stalled"), "\(sync.error)")
    }

    /// SIGTERM while a request waits on a hub that accepted and never
    /// answers: exit 0 well within the unit's stop limit (10 s). The curl
    /// call is aborted; before, shutdown waited for it and ended with
    /// "Cancellation took longer than allowed", exit 132.
    @Test func sigtermWhileTheHubNeverAnswersExitsZeroQuickly() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let stall = try MisbehavingServer(.stall)
        defer { stall.stop() }
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"],
                                     extraEnvironment: ["no_proxy": "", "NO_PROXY": ""], totalTimeoutSeconds: 300,
                                     hubSettings: "proxy = \"http://127.0.0.1:\(stall.port)\"\nlow_speed_seconds = 300")
        defer { setud.stop() }
        try await setud.waitUntilReady()
        _ = try await setud.ctl(["sync"])
        let syncing = await waitUntil(seconds: 10) { (try? await setud.ctl(["status", "--json"]).output.contains("\"state\":\"syncing\"")) == true }
        #expect(syncing, "the sync was running when SIGTERM came")
        let (status, seconds) = setud.terminate()
        #expect(status == 0, "\(setud.log.suffix(600))")
        #expect(seconds < 5, "\(seconds) s")
    }

    /// A sync in which the hub refused a record is not "sync ok": --wait
    /// exits 6 and says how many and why; status asks for attention while
    /// anything is set aside, `setuctl rejects` lists it, and status shows
    /// the age of the oldest unsent change. Once the hub grants the office
    /// again, the refused write goes through by itself at the next sync.
    @Test func aSyncThatSetRecordsAsideIsNotOK() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha", "district:khulna"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)
        // Written offline while the node served Khulna; the hub then takes
        // Khulna away, and refuses the record when it arrives.
        let closed = try RawSocket.boundNotListening()
        defer { close(closed.fd) }
        try await setud.restart(hubPort: closed.port)
        #expect(try await setud.ctl(["put", "services", "ok1", "office=upazila:rupsha", "section=citizen", "serial=1", "name=ক"]).status == 0)
        #expect(try await setud.ctl(["put", "services", "k1", "office=district:khulna", "section=citizen", "serial=1", "name=খ"]).status == 0)
        #expect(try await hub.command(["node", "set-offices", "office-a", "--office", "upazila:rupsha"]).status == 0)
        let pending = try await setud.ctl(["status", "--json"]).output
        #expect(pending.contains("\"oldest_unsent_seconds\":"), "\(pending)")
        try await setud.restart(hubPort: hub.port)
        let sync = try await setud.ctl(["sync", "--wait"])
        #expect(sync.status == 6, "\(sync.output)\(sync.error)")
        #expect(sync.error.contains("1 set aside") && sync.error.contains("k1"), "\(sync.error)")
        let status = try await setud.ctl(["status", "--json"]).output
        #expect(status.contains("\"state\":\"attention\""), "\(status)")
        #expect(status.contains("\"oldest_unsent_seconds\":null"), "everything else went out: \(status)")
        #expect(status.contains("setuctl rejects"), "the warning names the fix: \(status)")
        let rejects = try await setud.ctl(["rejects"])
        #expect(rejects.status == 0)
        #expect(rejects.output.contains("services/k1") && rejects.output.contains("outside") && rejects.output.contains("refused by the hub"), "\(rejects.output)")
        let shown = try await setud.ctl(["rejects", "show", "1"])
        #expect(shown.status == 0 && shown.output.contains("services/k1"), "\(shown.output)\(shown.error)")
        // Refused again while the office is still not granted.
        let retry = try await setud.ctl(["rejects", "retry", "1"])
        #expect(retry.status == 0 && retry.output.contains("sent with the next sync"), "\(retry.output)\(retry.error)")
        #expect(try await setud.ctl(["sync", "--wait"]).status == 6)
        let again = try await setud.ctl(["rejects"]).output
        #expect(again.contains("#1 ") && again.contains("2 tries"), "refused again, the same entry: \(again)")

        #expect(try await hub.command(["node", "set-offices", "office-a", "--office", "upazila:rupsha", "--office", "district:khulna"]).status == 0)
        let granted = try await setud.ctl(["sync", "--wait"])
        #expect(granted.status == 0, "retried once the office came back: \(granted.output)\(granted.error)")
        #expect(try await setud.ctl(["rejects"]).output.contains("nothing set aside"))
        #expect(try await setud.ctl(["status", "--json"]).output.contains("\"state\":\"idle\""))
    }

    /// A write for an office this node does not serve is refused when it is
    /// made (setuctl, the socket), or set aside at capture with the reason
    /// naming the node's offices and its values kept; once the hub grants
    /// the office, the kept SQL write goes through without anyone retyping it.
    @Test func aWriteForAnOfficeTheNodeDoesNotServeIsRefusedWhenMade() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0, "the hub has told the node its offices")
        let put = try await setud.ctl(["put", "services", "k1", "office=district:khulna", "section=citizen", "serial=1", "name=খ"])
        #expect(put.status == 5, "\(put.output)\(put.error)")
        #expect(put.error.contains("upazila:rupsha") && put.error.contains("district:khulna"), "\(put.error)")
        #expect(put.error.components(separatedBy: "out_of_scope").count == 2, "the error code is printed once: \(put.error)")
        #expect(try await setud.ctl(["get", "services", "k1"]).status == 5, "nothing was written")

        _ = try await runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), [setud.replicaPath,
            "INSERT INTO services (id, office, section, serial, name) VALUES ('k2', 'district:khulna', 'citizen', 2, 'গ')"])
        let setAside = await waitUntil(seconds: 5) { (try? await setud.ctl(["rejects"]).output.contains("services/k2")) == true }
        let rejects = try await setud.ctl(["rejects"]).output
        #expect(setAside && rejects.contains("SQL write refused") && rejects.contains("upazila:rupsha"), "\(rejects)")
        let row = try await runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), [setud.replicaPath, "SELECT count(*) FROM services WHERE id = 'k2'"])
        #expect(row.output == "0\n", "the refused row was taken back out of the plain table")
        let shown = try await setud.ctl(["rejects", "show", "1"]).output
        #expect(shown.contains("name = \"গ\""), "its values are kept: \(shown)")

        #expect(try await hub.command(["node", "set-offices", "office-a", "--office", "upazila:rupsha", "--office", "district:khulna"]).status == 0)
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)
        #expect(try await setud.ctl(["get", "services", "k2"]).status == 0, "the kept SQL write went through once the office was granted")
        #expect(try await setud.ctl(["rejects"]).output.contains("nothing set aside"))
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)
        let hubHasIt = try await setud.ctl(["status", "--json"]).output
        #expect(hubHasIt.contains("\"pending_local_changes\":0"), "\(hubHasIt)")
    }

    /// `sync --wait` on a terminal draws a live progress line (pages,
    /// records, bytes) and leaves it on the screen above the result.
    @Test func syncWaitDrawsAProgressLineOnATerminal() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let stall = try MisbehavingServer(.stall)
        defer { stall.stop() }
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"],
                                     extraEnvironment: ["no_proxy": "", "NO_PROXY": ""], totalTimeoutSeconds: 60,
                                     hubSettings: "proxy = \"http://127.0.0.1:\(stall.port)\"\nlow_speed_seconds = 3")
        defer { setud.stop() }
        try await setud.waitUntilReady()
        let setuctl = try Binaries.find("setuctl").path
        // script(1) gives setuctl a terminal.
        let run = try await runProgram(URL(fileURLWithPath: "/usr/bin/script"),
                                       ["-q", "-e", "-c", "\(setuctl) sync --wait --socket \(setud.socketPath)", "/dev/null"])
        #expect(run.status == 4, "\(run.output)")
        let lines = run.output.split(whereSeparator: \.isNewline)
        let progress = lines.firstIndex { $0.contains("syncing: 0 pages, 0 in, 0 out, 0 B in") }
        let result = lines.firstIndex { $0.contains("stalled") }
        #expect(progress != nil && result != nil && progress! < result!, "the progress line stays above the result: \(run.output.debugDescription)")
    }

    /// /metrics through swift-prometheus: HELP and TYPE lines, the last
    /// successful sync's time and the set-aside count.
    @Test func metricsHaveHelpLinesAndTheLastSuccessfulSync() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)
        var options = CurlOptions(baseURL: "http://setud")
        options.unixSocketPath = setud.socketPath
        let response = try await CurlTransport(options: options).send(TransportRequest(method: "GET", path: "/metrics"))
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 200)
        #expect(text.contains("# HELP setud_set_aside "), "\(text)")
        #expect(text.contains("# TYPE setud_records_in_total counter"))
        #expect(text.contains("setud_set_aside 0"))
        #expect(text.contains(#"setud_state{state="idle"} 1"#), "\(text)")
        let line = text.split(separator: "\n").first { $0.hasPrefix("setud_last_successful_sync_timestamp_seconds ") }
        let value = line.flatMap { Double($0.split(separator: " ").last!) } ?? 0
        #expect(abs(value - Date().timeIntervalSince1970) < 300, "\(String(describing: line))")
    }

    /// Status counts move page by page during a sync, not only at its end:
    /// 2,000 SQL rows pushed in pages of 20 are seen part-way.
    @Test func statusCountersMovePerPageDuringASync() async throws {
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
        #expect(try await runProgram(URL(fileURLWithPath: "/usr/bin/sqlite3"), ["-cmd", ".timeout 5000", setud.replicaPath, insert]).status == 0)
        setud.signal(SIGUSR1)
        var seen: [Int64] = []
        let partWay = await waitUntil(seconds: 60) {
            guard let text = try? await setud.ctl(["status", "--json"]).output,
                  let json = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let out = (json["records_out"] as? NSNumber)?.int64Value else { return false }
            seen.append(out)
            return out > 0 && out < 2_000
        }
        #expect(partWay, "records_out seen: \(Set(seen).sorted())")
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)
        #expect(try await setud.ctl(["status", "--json"]).output.contains("\"records_out\":2000"), "counted once")
    }
}
