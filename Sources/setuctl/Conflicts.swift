import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

struct Conflicts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List open conflicts: fields with concurrent values.")
    @OptionGroup var options: SocketOptions

    func run() async throws {
        let list = try await options.client.call("GET", "/v1/conflicts")
        if options.json { return printJSON(list) }
        guard case .array(let items) = list, !items.isEmpty else { return print("no open conflicts") }
        for item in items {
            let values: [String] = {
                guard case .array(let vs)? = item["values"] else { return [] }
                return vs.map { "\(JSONWriter.string($0["value"] ?? .null)) (\(JSONWriter.string($0["node"] ?? .null)))" }
            }()
            print("\(str(item["collection"]))/\(str(item["id"])) \(str(item["field"])): \(values.joined(separator: " vs ")); shown: \(JSONWriter.string(item["shown"] ?? .null))")
        }
    }
}
