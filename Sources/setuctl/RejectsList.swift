import ArgumentParser
import Foundation
import SetuProtocol

/// `setuctl rejects [list]`.
struct RejectsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List writes set aside, with the reason for each.")
    @OptionGroup var options: SocketOptions

    func run() async throws {
        let rejects = try await options.client.call("GET", "/v1/rejects")
        if options.json { return printJSON(rejects) }
        guard case .array(let items) = rejects, !items.isEmpty else { return print("nothing set aside") }
        for item in items {
            print("#\(str(item["number"]))  \(str(item["at"]))  \(str(item["collection"]))/\(str(item["id"]))  "
                + "(\(RejectKind.describe(str(item["kind"])))\(RejectKind.attempts(item)))  \(str(item["reason"]))")
        }
        print("setuctl rejects show N for one; retry N or --all to try again; discard N to give one up")
    }
}
