import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real `setu-hub serve` process on a free loopback port.
public final class HubProcess: @unchecked Sendable {
    let process = Process()
    public let port: Int
    public let configPath: String
    let dir: URL

    public init(postgresURL: String? = nil, sqlitePath: String? = nil) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-hubproc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        port = Int.random(in: 30_000...60_000)
        configPath = dir.appendingPathComponent("hub.toml").path
        let storage = postgresURL.map { "postgres_url = \"\($0)\"" } ?? "sqlite_path = \"\(sqlitePath ?? dir.appendingPathComponent("hub.sqlite").path)\""
        try """
            [server]
            listen = "127.0.0.1:\(port)"
            [storage]
            \(storage)
            [log]
            level = "warning"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        process.executableURL = try Self.binary("setu-hub")
        process.arguments = ["serve", "--config", configPath]
        // A log file, not the test's own stderr: a child must never hold the
        // test runner's output pipe open.
        let log = dir.appendingPathComponent("hub.log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    public func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: dir)
    }

    public func waitUntilServing() async throws {
        for _ in 0..<100 {
            if let (status, _) = try? await request("GET", "/v1/health", token: nil, body: nil), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw SupportError("setu-hub did not start on port \(port)")
    }

    public func addNode(_ id: String, offices: [String]) throws -> String {
        let add = Process()
        add.executableURL = process.executableURL
        add.arguments = ["node", "add", id, "--config", configPath] + offices.flatMap { ["--office", $0] }
        let out = Pipe()
        add.standardOutput = out
        add.standardError = FileHandle.nullDevice
        add.standardInput = FileHandle.nullDevice
        try add.run()
        let token = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        add.waitUntilExit()
        guard add.terminationStatus == 0 else { throw SupportError("setu-hub node add failed") }
        return token
    }

    public func request(_ method: String, _ path: String, token: String?, body: [UInt8]?) async throws -> (Int, [UInt8]) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = body.map { Data($0) }
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
