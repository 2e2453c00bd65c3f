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
