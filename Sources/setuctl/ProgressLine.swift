import ArgumentParser
import Foundation
import SetuProtocol

/// The line `sync --wait` redraws on a terminal while the sync runs:
/// "syncing: 12 pages, 6000 in, 0 out, 1.2 MB in, 3 KB out". It reads what
/// setud reports of the sync in flight twice a second, and is left on the
/// screen when the sync ends, so the last figures stay readable above the
/// result.
final class ProgressLine: @unchecked Sendable {
    let client: ControlClient
    private var task: Task<Void, Never>?
    private var drawn = false

    init(client: ControlClient) { self.client = client }

    func start() {
        task = Task { [self] in
            while !Task.isCancelled {
                if let status = try? await client.call("GET", "/v1/status", timeoutSeconds: 5), let line = Self.line(status) {
                    FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
                    drawn = true
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    func finish() async {
        task?.cancel()
        await task?.value
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func line(_ status: JSONValue) -> String? {
        guard let flight = status["sync_in_flight"], case .object = flight else { return nil }
        func count(_ key: String) -> Int64 { if case .int(let n)? = flight[key] { n } else { 0 } }
        return "syncing: \(count("pages")) pages, \(count("records_in")) in, \(count("records_out")) out, "
            + "\(bytes(count("bytes_in"))) in, \(bytes(count("bytes_out"))) out"
    }

    static func bytes(_ n: Int64) -> String {
        switch n {
        case ..<1_000: "\(n) B"
        case ..<1_000_000: String(format: "%.1f KB", Double(n) / 1e3)
        default: String(format: "%.1f MB", Double(n) / 1e6)
        }
    }
}
