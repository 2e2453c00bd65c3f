import ArgumentParser
import Foundation
import SetuProtocol

/// `setuctl rejects`: the writes set aside (by the hub or at capture), with
/// their reasons: what status's `attention` state asks a person to look at.
struct Rejects: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List writes set aside, with the reason for each.")
    @OptionGroup var options: SocketOptions

    func run() async throws {
        let rejects = try await options.client.call("GET", "/v1/rejects")
        if options.json { return printJSON(rejects) }
        guard case .array(let items) = rejects, !items.isEmpty else { return print("nothing set aside") }
        for item in items {
            func text(_ key: String) -> String { if case .string(let s)? = item[key] { s } else { "?" } }
            print("\(text("at"))  \(text("collection"))/\(text("id"))  (\(text("source")))  \(text("reason"))")
        }
    }
}
