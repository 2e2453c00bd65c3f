import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete a record.")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Argument var id: String

    func run() async throws {
        let result = try await options.client.call("DELETE", "/v1/records/\(collection)/\(id)")
        options.json ? printJSON(result) : print("deleted \(collection)/\(id)")
    }
}
