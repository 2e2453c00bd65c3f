import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one record.")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Argument var id: String

    func run() async throws {
        let record = try await options.client.call("GET", "/v1/records/\(collection)/\(id)")
        if options.json { return printJSON(record) }
        guard case .object(let members) = record else { return }
        for (name, value) in members { print(name.padding(toLength: 18, withPad: " ", startingAt: 0) + str(value)) }
    }
}
