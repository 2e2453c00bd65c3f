import Foundation
import SetuTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket that collects sd_notify messages, as systemd would.
final class NotifyListener: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [String] = []

    init() throws {
        path = "/tmp/setu-notify-\(UUID().uuidString.prefix(8)).sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard ok == 0 else { throw SupportError("cannot bind \(path)") }
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                // The reader closes the socket, once it is done with it:
                // closed by close() meanwhile, its number could be reused by
                // another test's socket or file, and this recv would read it.
                guard n > 0 else { Glibc.close(fd); return }
                let message = String(decoding: buffer[0..<n], as: UTF8.self)
                lock.withLock { received.append(message) }
            }
        }.start()
    }

    var messages: [String] { lock.withLock { received } }

    /// Wakes the reader (recv returns 0), which then closes the socket.
    func close() {
        shutdown(fd, Int32(SHUT_RDWR))
        unlink(path)
    }
}

@Suite(.serialized) struct SystemdTests {
    @Test func setudSpeaksSdNotify() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let listener = try NotifyListener()
        defer { listener.close() }
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"],
                                     extraEnvironment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "1000000"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        #expect(await waitUntil(seconds: 30) { listener.messages.contains("WATCHDOG=1") && listener.messages.contains { $0.hasPrefix("STATUS=") } })
        #expect(listener.messages.contains { $0.hasPrefix("READY=1") })
        #expect(listener.messages.contains { $0.hasPrefix("STATUS=") && $0.contains("pending") }, "\(listener.messages)")
        #expect(listener.messages.contains("WATCHDOG=1"))
        #expect(setud.terminate().status == 0)
        #expect(listener.messages.contains("STOPPING=1"))
    }

    /// WATCHDOG=1 keeps coming while a sync runs: here one held by a proxy
    /// that never answers, with a 1 s watchdog (pings every 0.5 s). The
    /// transfer may stall for 120 s, far longer than the test takes even on
    /// a loaded machine (with 10 s, CI's sync had ended before the last
    /// check), and SIGTERM ends it at once.
    @Test func theWatchdogIsFedDuringALongSync() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let stall = try MisbehavingServer(.stall)
        defer { stall.stop() }
        let listener = try NotifyListener()
        defer { listener.close() }
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"],
                                     extraEnvironment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "1000000", "no_proxy": "", "NO_PROXY": ""],
                                     hubSettings: "proxy = \"http://127.0.0.1:\(stall.port)\"\nlow_speed_seconds = 120")
        defer { setud.stop() }
        try await setud.waitUntilReady()
        _ = try await setud.ctl(["sync"])
        let syncing = await waitUntil(seconds: 10) { (try? await setud.ctl(["status", "--json"]).output.contains("\"state\":\"syncing\"")) == true }
        #expect(syncing)
        let before = listener.messages.filter { $0 == "WATCHDOG=1" }.count
        let fed = await waitUntil(seconds: 5) { listener.messages.filter { $0 == "WATCHDOG=1" }.count >= before + 4 }
        #expect(fed, "\(listener.messages.filter { $0 == "WATCHDOG=1" }.count - before) pings during the sync")
        #expect(try await setud.ctl(["status", "--json"]).output.contains("\"state\":\"syncing\""), "still the same sync")
        #expect(setud.terminate().status == 0)
    }

    static let unitDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("systemd")

    /// A copy of a unit whose ExecStart points at the freshly built binary,
    /// since verify checks the binary exists.
    static func builtCopy(_ unit: String, binary: String) throws -> String {
        let dir = URL(fileURLWithPath: "/tmp/setu-units-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let text = try String(contentsOf: unitDirectory.appendingPathComponent(unit), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/\(binary)", with: try Binaries.find(binary).path)
        let path = dir.appendingPathComponent(unit).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func analyze(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try runProgram(URL(fileURLWithPath: "/usr/bin/systemd-analyze"), arguments)
        return (result.status, result.output + result.error)
    }

    @Test(arguments: [("setud.service", "setud"), ("setu-hub.service", "setu-hub")])
    func unitsPassSystemdAnalyzeVerify(_ unit: String, _ binary: String) throws {
        let result = try Self.analyze(["verify", "--man=no", try Self.builtCopy(unit, binary: binary)])
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains(unit), "verify complained: \(result.output)")
    }

    @Test func setudServiceExposureIsAtMostTwo() throws {
        let result = try Self.analyze(["security", "--offline=true", try Self.builtCopy("setud.service", binary: "setud")])
        let line = try #require(result.output.split(separator: "\n").first { $0.contains("Overall exposure level") })
        let number = line.split(separator: " ").compactMap { Double($0) }.first
        let exposure = try #require(number, "\(line)")
        #expect(exposure <= 2.0, "\(line)")
    }
}
