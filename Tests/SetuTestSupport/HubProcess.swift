import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `setu-hub serve` process on a free loopback port.
public final class HubProcess: @unchecked Sendable {
    public private(set) var process: ChildProcess!
    let executable: URL
    /// The hub's port; it changes if the first one was taken meanwhile.
    public private(set) var port: Int
    public let configPath: String
    let dir: URL
    let storage: String
    let server: String
    let descriptorLimit: Int?
    let limits: String
    /// Added to the hub's environment (a simulated clock).
    var environment: [String: String] = [:]

    /// `server` and `limits` are added to the `[server]` and `[limits]`
    /// sections; `descriptorLimit` runs the hub under `prlimit --nofile`, as
    /// systemd's default 1,024 would.
    public init(postgresURL: String? = nil, sqlitePath: String? = nil, server: String = "", limits: String = "", descriptorLimit: Int? = nil) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-hubproc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        port = LoopbackPort.free()
        configPath = dir.appendingPathComponent("hub.toml").path
        storage = postgresURL.map { "postgres_url = \"\($0)\"" } ?? "sqlite_path = \"\(sqlitePath ?? dir.appendingPathComponent("hub.sqlite").path)\""
        self.server = server
        self.limits = limits
        self.descriptorLimit = descriptorLimit
        executable = try Self.binary("setu-hub")
        try start()
    }

    private func start() throws {
        try """
            [server]
            listen = "127.0.0.1:\(port)"
            \(server)
            [storage]
            \(storage)
            signing_key = "\(dir.appendingPathComponent("hub-signing.key").path)"
            [limits]
            \(limits)
            [log]
            level = "warning"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        // A log file, not the test's own stderr: a child must never hold the
        // test runner's output pipe open.
        let log = dir.appendingPathComponent("hub.log").path
        let serve = ["serve", "--config", configPath]
        if let descriptorLimit {
            process = try ChildProcess("/usr/bin/prlimit", ["--nofile=\(descriptorLimit):\(descriptorLimit)", executable.path] + serve, stdout: log, stderr: log)
        } else {
            process = try ChildProcess(executable.path, serve, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                                       stdout: log, stderr: log)
        }
    }

    /// A free port can be taken by another test between the check and the
    /// hub's bind: then the hub exits with "Address already in use", and is
    /// started again on another port.
    private func restartIfItsPortWasTaken() throws -> Bool {
        guard !process.isRunning, log.contains("Address already in use") else { return false }
        try? FileManager.default.removeItem(atPath: dir.appendingPathComponent("hub.log").path)
        port = LoopbackPort.free()
        try start()
        return true
    }

    /// Stops the hub and serves again on the same port and database, with
    /// `environment` added (say, SETU_SIMULATE_CLOCK_OFFSET_SECONDS).
    public func restart(environment: [String: String]) async throws {
        let stopped = process!
        let describe = stopDescription
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { _ = stopped.stop(describe: describe); continuation.resume() }
        }
        self.environment = environment
        try start()
        try await waitUntilServing()
    }

    /// SIGTERM, and at most `seconds` for the hub to exit (then SIGKILL,
    /// reported; see `ChildProcess.stop`).
    @discardableResult
    public func stop(within seconds: Double = 30) -> Bool {
        let clean = process.stop(within: seconds, describe: stopDescription)
        try? FileManager.default.removeItem(at: dir)
        return clean
    }

    /// SIGTERM, then the exit status and how long the hub took (killed, 137,
    /// past `seconds`). Keeps the hub's folder, so its log can still be read.
    public func terminate(within seconds: Double = 30) -> (status: Int32, seconds: Double) {
        let start = Date()
        process.stop(within: seconds, describe: stopDescription)
        return (process.wait(), Date().timeIntervalSince(start))
    }

    private func stopDescription() -> String { "setu-hub on port \(port); the end of its log:\n\(log.suffix(3000))" }

    public func waitUntilServing() async throws {
        var restarts = 0
        for _ in 0..<300 {
            if let (status, _) = try? await request("GET", "/v1/health", token: nil, body: nil, timeout: 5), status == 200 { return }
            if restarts < 5, try restartIfItsPortWasTaken() { restarts += 1; continue }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = (try? String(contentsOfFile: dir.appendingPathComponent("hub.log").path, encoding: .utf8)) ?? ""
        let state = process.isRunning ? "still running" : "exited with status \(process.wait())"
        throw SupportError("setu-hub did not start on port \(port) (\(state)); its log:\n\(log)")
    }

    /// Runs `setu-hub ARGS --config <this hub's config>`.
    public func command(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String, error: String) {
        try await runProgram(executable, arguments + ["--config", configPath],
                             environment: environment.isEmpty ? nil : ProcessInfo.processInfo.environment.merging(environment) { $1 })
    }

    /// What the hub has logged so far.
    public var log: String {
        (try? String(contentsOfFile: dir.appendingPathComponent("hub.log").path, encoding: .utf8)) ?? ""
    }

    public func addNode(_ id: String, offices: [String]) async throws -> String {
        let result = try await runProgram(executable, ["node", "add", id, "--config", configPath] + offices.flatMap { ["--office", $0] })
        guard result.status == 0 else { throw SupportError("setu-hub node add failed: \(result.error)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The blocking form, for synchronous set-up (an office's initialiser).
    public func addNode(_ id: String, offices: [String]) throws -> String {
        let result = try runProgram(executable, ["node", "add", id, "--config", configPath] + offices.flatMap { ["--office", $0] })
        guard result.status == 0 else { throw SupportError("setu-hub node add failed: \(result.error)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func request(_ method: String, _ path: String, token: String?, body: [UInt8]?, headers: [String: String] = [:],
                        timeout: TimeInterval = 60) async throws -> (Int, [UInt8]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, timeoutInterval: timeout)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = body.map { Data($0) }
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, Array(data))
    }

    static func binary(_ name: String) throws -> URL { try Binaries.find(name) }
}


/// Executables built next to the test bundle (`swift build --build-tests`).
public enum Binaries {
    public static func find(_ name: String) throws -> URL {
        var dir = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw SupportError("\(name) not built; run swift build --build-tests first")
    }
}

public struct SupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a program to completion and returns its exit status, standard output
/// and standard error. Output goes through temporary files, not pipes: a
/// pipe's write end can leak into a child another test spawns at the same
/// moment, and then reading to end-of-file waits for that child to exit.
///
/// In async code, the async overload is chosen: it waits on a thread of its
/// own. Waiting with a blocking `waitpid` on one of the two cooperative
/// threads starved every other test of the pool (a curl stall seen after
/// 55 s instead of 2 s with the suite in parallel).
public func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                       timeout: Double = 300) async throws -> (status: Int32, output: String, error: String) {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try runProgram(executable, arguments, environment: environment, timeout: timeout) }) }
        thread.name = "setu-test.child"
        thread.start()
    }
}

/// The blocking form, for synchronous tests. A program still running after
/// `timeout` seconds is killed and the call throws with what it printed: a
/// test fails, the suite goes on.
public func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                       timeout: Double = 300) throws -> (status: Int32, output: String, error: String) {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("setu-run-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: base + ".out"); try? FileManager.default.removeItem(atPath: base + ".err") }
    let child = try ChildProcess(executable.path, arguments, environment: environment, stdout: base + ".out", stderr: base + ".err")
    let status = child.wait(seconds: timeout)
    let output = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    let error = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
    guard let status else {
        kill(child.pid, SIGKILL)
        child.wait()
        throw SupportError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) was still running after \(Int(timeout)) s and was killed; it printed:\n\(output)\n\(error)")
    }
    return (status, output, error)
}
