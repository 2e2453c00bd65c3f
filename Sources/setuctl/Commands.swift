import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

func printJSON(_ value: JSONValue) { print(JSONWriter.string(value)) }

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
        let rows = [
            ("node", text("node")), ("state", text("state")), ("last sync", text("last_sync_at")), ("result", text("last_result")),
            ("next sync", text("next_sync_at")), ("pending local changes", text("pending_local_changes")),
            ("open conflicts", text("open_conflicts")), ("set aside", text("set_aside")),
            ("records in / out", "\(text("records_in")) / \(text("records_out"))"),
            ("bytes in / out", "\(text("bytes_in")) / \(text("bytes_out"))"),
            ("clock skew vs hub (s)", text("clock_skew_seconds")), ("replica size (bytes)", text("replica_bytes")),
            ("uptime (s)", text("uptime_seconds")), ("version", text("version")),
        ]
        for (name, value) in rows { print(name.padding(toLength: 24, withPad: " ", startingAt: 0) + value) }
        if case .string(let error)? = status["last_error"] { print("last error".padding(toLength: 24, withPad: " ", startingAt: 0) + error) }
        if case .array(let warnings)? = status["warnings"] {
            for case .string(let warning) in warnings { print("warning".padding(toLength: 24, withPad: " ", startingAt: 0) + warning) }
        }
    }
}

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

func str(_ value: JSONValue?) -> String {
    if case .string(let s)? = value { return s }
    return value.map(JSONWriter.string) ?? ""
}

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

/// Turns `field=value` text into the JSON type the field declares.
enum FieldArgument {
    static func json(collection: String, field: String, text: String) throws -> JSONValue {
        guard let spec = Collections.named(collection) else {
            throw ValidationError("unknown collection \(collection); the collections are \(Collections.all.map(\.name).joined(separator: ", "))")
        }
        guard let declared = spec.field(field) else { throw ValidationError("\(collection) has no field \(field)") }
        if text == "null" { return .null }
        switch declared.type {
        case .integer, .counter:
            guard let n = BengaliDigits.parseInteger(text) else { throw ValidationError("\(field) needs a whole number (got \(text))") }
            return .int(n)
        case .boolean:
            guard let b = Bool(text) else { throw ValidationError("\(field) needs true or false (got \(text))") }
            return .bool(b)
        default: return .string(text)
        }
    }

    static func object(collection: String, assignments: [String]) throws -> JSONValue {
        .object(try assignments.map { assignment in
            guard let eq = assignment.firstIndex(of: "=") else { throw ValidationError("write fields as name=value (got \(assignment))") }
            let name = String(assignment[..<eq])
            return (name, try json(collection: collection, field: name, text: String(assignment[assignment.index(after: eq)...])))
        })
    }
}

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

struct Put: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or replace a record: setuctl put services s1 name=… section=citizen …")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Argument var id: String
    @Argument(help: "field=value pairs.") var fields: [String] = []

    func run() async throws { try await writeRecord("PUT", options: options, collection: collection, id: id, fields: fields) }
}

struct Patch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Change some fields of a record.")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Argument var id: String
    @Argument(help: "field=value pairs.") var fields: [String] = []

    func run() async throws { try await writeRecord("PATCH", options: options, collection: collection, id: id, fields: fields) }
}

/// `put` and `patch` differ only in the HTTP method.
func writeRecord(_ method: String, options: SocketOptions, collection: String, id: String, fields: [String]) async throws {
    let record = try await options.client.call(method, "/v1/records/\(collection)/\(id)", body: try FieldArgument.object(collection: collection, assignments: fields))
    options.json ? printJSON(record) : print("saved \(collection)/\(id)")
}

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

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List records of a collection, a page at a time.")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Option(help: "Start after this id (the 'next' of the previous page).") var after: String?
    @Option(help: "Records per page (1–1000).") var limit = 100

    func run() async throws {
        var path = "/v1/records/\(collection)?limit=\(limit)"
        if let after { path += "&after=\(after)" }
        let page = try await options.client.call("GET", path)
        if options.json { return printJSON(page) }
        guard case .array(let records)? = page["records"] else { return }
        let titleField = ["services": "name", "requests": "applicant_name", "products": "title"][collection] ?? "office"
        for record in records { print("\(str(record["id"]))\t\(str(record["office"]))\t\(str(record[titleField]))") }
        if case .string(let next)? = page["next"] { print("… more: setuctl list \(collection) --after \(next)") }
    }
}

struct Stock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Product stock.", subcommands: [Adjust.self])

    struct Adjust: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Adjust stock by +N or -N (merged as a counter across offices).")
        @OptionGroup var options: SocketOptions
        @Argument var productID: String
        // allUnrecognized: so "-2" is taken as the adjustment, not as an option.
        @Argument(parsing: .allUnrecognized, help: "+5 or -2 (Bengali digits accepted).") var deltas: [String] = []

        func validate() throws {
            guard deltas.count == 1 else { throw ValidationError("give one adjustment, such as +5 or -2") }
        }

        func run() async throws {
            let delta = deltas[0]
            guard let n = BengaliDigits.parseInteger(delta.hasPrefix("+") ? String(delta.dropFirst()) : delta), n != 0 else {
                throw ValidationError("the adjustment must be a non-zero whole number such as +5 or -2")
            }
            let record = try await options.client.call("POST", "/v1/records/products/\(productID)/adjust/stock", body: .object([("by", .int(n))]))
            options.json ? printJSON(record) : print("stock of \(productID) is now \(str(record["stock"]))")
        }
    }
}
