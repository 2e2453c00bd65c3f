import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

struct Put: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or replace a record: setuctl put services s1 name=… section=citizen …")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Argument var id: String
    @Argument(help: "field=value pairs.") var fields: [String] = []

    func run() async throws { try await writeRecord("PUT", options: options, collection: collection, id: id, fields: fields) }
}

/// `put` and `patch` differ only in the HTTP method.
func writeRecord(_ method: String, options: SocketOptions, collection: String, id: String, fields: [String]) async throws {
    let record = try await options.client.call(method, "/v1/records/\(collection)/\(id)", body: try FieldArgument.object(collection: collection, assignments: fields))
    options.json ? printJSON(record) : print("saved \(collection)/\(id)")
}
