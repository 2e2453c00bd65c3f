import ArgumentParser
import Foundation
import SetuProtocol

/// `setuctl rejects show N`: one set-aside write, with what was kept of it.
struct RejectsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one write set aside, with the values kept.")
    @OptionGroup var options: SocketOptions
    @Argument(help: "The entry's number, as setuctl rejects lists it.") var number: Int64

    func run() async throws {
        let item = try await options.client.call("GET", "/v1/rejects/\(number)")
        if options.json { return printJSON(item) }
        let rows = [
            ("entry", "#\(str(item["number"]))"), ("record", "\(str(item["collection"]))/\(str(item["id"]))"),
            ("kind", RejectKind.describe(str(item["kind"]))), ("from", str(item["source"])), ("reason", str(item["reason"])),
            ("set aside at", str(item["at"])), ("tries", str(item["attempts"])),
            ("next try", item["retry_at"] == .null ? "when asked (setuctl rejects retry), or when the node's offices change" : str(item["retry_at"])),
        ]
        for (name, value) in rows { print(name.padding(toLength: 14, withPad: " ", startingAt: 0) + value) }
        for key in ["values", "state_fields", "counter_moves"] {
            guard case .object(let members)? = item[key], !members.isEmpty else { continue }
            print(key == "counter_moves" ? "counter moves:" : "values kept:")
            for (name, value) in members { print("  \(name) = \(JSONWriter.string(value))") }
        }
    }
}
