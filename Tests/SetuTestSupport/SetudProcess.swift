import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `setud` process with its own replica, socket and config, talking
/// to `hub`; `ctl` runs the real `setuctl` against it.
public final class SetudProcess: @unchecked Sendable {
    public var process: ChildProcess!
    public let dir: URL
    public let configPath: String
    public let socketPath: String
    public let replicaPath: String
    public let logPath: String
    let node: String
    let sync: String
    let totalTimeoutSeconds: Int
    let hubSettings: String

    /// `hubPort` points setud elsewhere than `hub` (a closed port: offline);
    /// `restart` can point it back.
    public init(node: String, hub: HubProcess, offices: [String], extraEnvironment: [String: String] = [:],
                sync: String = "interval_seconds = 3600\npage_records = 500", totalTimeoutSeconds: Int = 20, hubSettings: String = "",
                hubPort: Int? = nil, replicaPath: String? = nil) throws {
        self.node = node
        self.sync = sync
        self.totalTimeoutSeconds = totalTimeoutSeconds
        self.hubSettings = hubSettings
        dir = URL(fileURLWithPath: "/tmp").appendingPathComponent("setud-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        configPath = dir.appendingPathComponent("setud.toml").path
        socketPath = dir.appendingPathComponent("setud.sock").path
        self.replicaPath = replicaPath ?? dir.appendingPathComponent("replica.sqlite").path
        logPath = dir.appendingPathComponent("setud.log").path
        let token = try hub.addNode(node, offices: offices)
        try token.write(toFile: dir.appendingPathComponent("token").path, atomically: true, encoding: .utf8)
        try start(hubPort: hubPort ?? hub.port, extraEnvironment: extraEnvironment)
    }

    private func start(hubPort: Int, extraEnvironment: [String: String]) throws {
        try Self.config(node: node, replica: replicaPath, hubPort: hubPort, token: dir.appendingPathComponent("token").path,
                        socket: socketPath, sync: sync, totalTimeoutSeconds: totalTimeoutSeconds, hubSettings: hubSettings).write(toFile: configPath, atomically: true, encoding: .utf8)
        process = try ChildProcess(try Binaries.find("setud").path, ["--config", configPath],
                                   environment: ProcessInfo.processInfo.environment.merging(extraEnvironment) { $1 },
                                   stdout: logPath, stderr: logPath)
    }

    /// Stops setud (SIGTERM) and starts it again on the same replica, with
    /// `hubPort` and `extraEnvironment` (say, a PC clock now set right).
    public func restart(hubPort: Int, extraEnvironment: [String: String] = [:]) async throws {
        let stopped = process!
        let describe = stopDescription
        // Waited for off the cooperative pool, which must keep serving the
        // test's other tasks.
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { stopped.stop(describe: describe); continuation.resume() }
        }
        try? FileManager.default.removeItem(atPath: socketPath)
        try start(hubPort: hubPort, extraEnvironment: extraEnvironment)
        try await waitUntilReady()
    }

    public static func config(node: String, replica: String, hubPort: Int, token: String, socket: String, sync: String,
                              totalTimeoutSeconds: Int = 20, hubSettings: String = "") -> String {
        """
        [node]
        id = "\(node)"
        replica = "\(replica)"
        [hub]
        url = "http://127.0.0.1:\(hubPort)"
        token_file = "\(token)"
        connect_timeout_seconds = 2
        total_timeout_seconds = \(totalTimeoutSeconds)
        \(hubSettings)
        [sync]
        \(sync)
        backoff_base_seconds = 1
        backoff_max_seconds = 2
        [control]
        socket = "\(socket)"
        [log]
        level = "info"
        """
    }

    public func waitUntilReady() async throws {
        for _ in 0..<150 {
            if FileManager.default.fileExists(atPath: socketPath), (try? await ctl(["status"]))?.status == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SupportError("setud did not open its socket; log:\n\(log)")
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Runs setuctl with `--socket` placed after the subcommand words; with
    /// `identity` (setpriv options such as `--reuid=65534`), as another user.
    @discardableResult
    public func ctl(_ arguments: [String], as identity: [String] = []) async throws -> (status: Int32, output: String, error: String) {
        let words = ["stock", "import", "request", "rejects", "bundle"].contains(arguments.first ?? "") ? 2 : 1
        let args = Array(arguments.prefix(words)) + ["--socket", socketPath] + arguments.dropFirst(words)
        let setuctl = try Binaries.find("setuctl")
        guard !identity.isEmpty else { return try await runProgram(setuctl, args) }
        return try await runProgram(URL(fileURLWithPath: "/usr/bin/setpriv"), identity + ["--", setuctl.path] + args)
    }

    public func signal(_ signal: Int32) { process.signal(signal) }

    /// SIGTERM, then the exit status and how long it took (killed, 137,
    /// past `seconds`).
    public func terminate(within seconds: Double = 30) -> (status: Int32, seconds: Double) {
        let start = Date()
        process.stop(within: seconds, describe: stopDescription)
        return (process.wait(), Date().timeIntervalSince(start))
    }

    /// SIGTERM, and at most 30 s for setud to exit (then SIGKILL, reported;
    /// see `ChildProcess.stop`).
    @discardableResult
    public func stop() -> Bool {
        let clean = process.stop(describe: stopDescription)
        try? FileManager.default.removeItem(at: dir)
        return clean
    }

    private var stopDescription: @Sendable () -> String {
        { [self] in "setud \(node); the end of its log:\n\(log.suffix(3000))" }
    }
}
