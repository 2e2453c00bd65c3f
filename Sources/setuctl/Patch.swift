import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

struct Patch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Change some fields of a record.")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Argument var id: String
    @Argument(help: "field=value pairs.") var fields: [String] = []

    func run() async throws { try await writeRecord("PATCH", options: options, collection: collection, id: id, fields: fields) }
}
