import ArgumentParser
import Foundation
import SetuProtocol

/// `setuctl sync [--wait]`: starts a sync; with `--wait`, waits as long as
/// it runs, with a live progress line on a terminal, then its result.
struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a sync now; with --wait, wait for its result (exit 4 if it fails, 6 if records were set aside).")
    @OptionGroup var options: SocketOptions
    @Flag(name: .long, help: "Wait for the sync to finish and print its result.") var wait = false

    func run() async throws {
        let progress = wait && isatty(STDERR_FILENO) == 1 && !options.json ? ProgressLine(client: options.client) : nil
        progress?.start()
        let result: JSONValue
        do {
            result = try await options.client.call("POST", wait ? "/v1/sync?wait=true" : "/v1/sync", timeoutSeconds: wait ? 0 : 30)
            await progress?.finish()
        } catch {
            await progress?.finish()
            throw error
        }
        if options.json { return printJSON(result) }
        guard wait else { return print("sync started; see setuctl status") }
        let counts = "\(result["records_in"].map(JSONWriter.string) ?? "0") in, \(result["records_out"].map(JSONWriter.string) ?? "0") out"
        guard case .int(let setAside)? = result["set_aside_total"], setAside > 0 else { return print("sync ok: \(counts)") }
        let byThisSync = result["set_aside"].map(JSONWriter.string) ?? "0"
        var reasons: [String] = []
        if case .array(let records)? = result["set_aside_records"] {
            for record in records {
                if case .string(let c)? = record["collection"], case .string(let id)? = record["id"], case .string(let why)? = record["reason"] {
                    reasons.append("  \(c)/\(id): \(why)")
                }
            }
        }
        throw CLIFailure(code: 6, message: "sync finished with \(setAside) set aside (\(byThisSync) by this sync; \(counts)):\n" + reasons.joined(separator: "\n")
            + "\nsee setuctl rejects; fix the records (or the node's offices at the hub) and sync again")
    }
}

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
