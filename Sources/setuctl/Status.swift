import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's state: last sync, pending changes, conflicts, clock skew.")
    @OptionGroup var options: SocketOptions

    func run() async throws {
        let status = try await options.client.call("GET", "/v1/status")
        if options.json { return printJSON(status) }
        func text(_ key: String) -> String {
            switch status[key] {
            case .string(let s)?: s
            case .int(let i)?: String(i)
            case .bool(let b)?: String(b)
            default: "—"
            }
        }
        func bundle(_ key: String) -> String {
            guard case .int(let seq)? = status[key]?["seq"], case .string(let at)? = status[key]?["at"] else { return "—" }
            return "#\(seq) at \(at)"
        }
        let rows = [
            ("node", text("node")), ("state", text("state")), ("last sync", text("last_sync_at")), ("result", text("last_result")),
            ("next sync", text("next_sync_at")), ("pending local changes", text("pending_local_changes")),
            ("open conflicts", text("open_conflicts")), ("set aside", text("set_aside")), ("oversold products", text("oversold")),
            ("records in / out", "\(text("records_in")) / \(text("records_out"))"),
            ("bytes in / out", "\(text("bytes_in")) / \(text("bytes_out"))"),
            ("clock skew vs hub (s)", text("clock_skew_seconds")), ("replica size (bytes)", text("replica_bytes")),
            ("last bundle out", bundle("last_bundle_out")), ("last answer in", bundle("last_answer_in")),
            ("uptime (s)", text("uptime_seconds")), ("version", text("version")),
            ("schema (hub's)", "\(text("schema")) (\(text("hub_schema")))"),
        ]
        for (name, value) in rows { print(name.padding(toLength: 24, withPad: " ", startingAt: 0) + value) }
        if case .string(let error)? = status["last_error"] { print("last error".padding(toLength: 24, withPad: " ", startingAt: 0) + error) }
        if case .array(let warnings)? = status["warnings"] {
            for case .string(let warning) in warnings { print("warning".padding(toLength: 24, withPad: " ", startingAt: 0) + warning) }
        }
    }
}
