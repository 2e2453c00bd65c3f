import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

struct Resolve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resolve a conflict by writing the value to keep (or --keep / --delete for a deleted record).")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Argument var id: String
    @Argument(help: "The field, or _deleted for a delete-versus-update conflict.") var field: String
    @Option(help: "The value to keep.") var value: String?
    @Flag(help: "Keep the record (delete-versus-update).") var keep = false
    @Flag(help: "Delete the record (delete-versus-update).") var delete = false

    func validate() throws {
        if field == "_deleted" {
            guard keep != delete else { throw ValidationError("give exactly one of --keep or --delete") }
        } else {
            guard value != nil else { throw ValidationError("give --value with the value to keep") }
        }
    }

    func run() async throws {
        let body: JSONValue = field == "_deleted"
            ? .object([("keep", .bool(keep))])
            : .object([("value", try FieldArgument.json(collection: collection, field: field, text: value!))])
        let result = try await options.client.call("POST", "/v1/conflicts/\(collection)/\(id)/\(field)", body: body)
        options.json ? printJSON(result) : print("resolved \(collection)/\(id) \(field)")
    }
}
