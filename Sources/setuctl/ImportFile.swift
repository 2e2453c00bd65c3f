import ArgumentParser
import Foundation
import SetuCore
import SetuImport
import SetuProtocol

/// `setuctl import COLLECTION FILE` reads every row first: a bad row is
/// reported with its line and nothing is sent. Records then go in pages of
/// 500, each written in one transaction; unchanged records are not rewritten.
struct ImportFile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "file", abstract: "Import records from a CSV or JSON file (as written by export).")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Argument var file: String
    @Option var format: FileFormat?

    func run() async throws {
        guard let spec = Collections.named(collection) else { throw ValidationError("unknown collection \(collection)") }
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure(code: 5, message: "cannot read \(file)") }
        guard let text = String(validating: data, as: UTF8.self) else { throw CLIFailure(code: 5, message: "\(file) is not UTF-8 text; save it as UTF-8") }
        let kind = format ?? (file.lowercased().hasSuffix(".json") ? .json : .csv)
        let records: [(line: Int, id: String, fields: [(key: String, value: JSONValue)])]
        do {
            records = try kind == .csv ? Self.fromCSV(text, spec: spec) : Self.fromJSON(text, spec: spec)
            for record in records {
                do {
                    try spec.checkID(record.id)
                    _ = try spec.validate(Dictionary(try record.fields.map { ($0.key, try JSONReader($0.value).fieldValue()) }, uniquingKeysWith: { a, _ in a }), mode: .whole)
                } catch let error as SetuCore.ValidationError {
                    throw CSV.ParseError(line: record.line, problem: error.description)
                }
            }
        } catch let error as CSV.ParseError {
            throw CLIFailure(code: 5, message: "\(file): \(error); nothing imported")
        }
        let terminal = isatty(STDERR_FILENO) == 1
        var written = 0, unchanged = 0
        for start in stride(from: 0, to: records.count, by: 500) {
            let page = records[start..<min(start + 500, records.count)].map { record -> JSONValue in
                .object([("id", .string(record.id)), ("fields", .object(record.fields))])
            }
            let result = try await options.client.call("POST", "/v1/import/\(spec.name)", body: .object([("records", .array(page))]), timeoutSeconds: 300)
            if case .int(let w)? = result["written"] { written += Int(w) }
            if case .int(let u)? = result["unchanged"] { unchanged += Int(u) }
            if terminal { FileHandle.standardError.write(Data("\rimporting \(min(start + 500, records.count))/\(records.count)".utf8)) }
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        print("\(records.count) \(spec.name) read from \(file): \(written) written, \(unchanged) unchanged")
    }

    static func fromCSV(_ text: String, spec: CollectionSpec) throws -> [(line: Int, id: String, fields: [(key: String, value: JSONValue)])] {
        let rows = try CSV.parse(text)
        guard let header = rows.first else { return [] }
        guard header.fields.first == "id" else { throw CSV.ParseError(line: header.line, problem: "the first column must be id") }
        for name in header.fields.dropFirst() where spec.field(name) == nil {
            throw CSV.ParseError(line: header.line, problem: "unknown column \(name); the columns are id, \(spec.fields.map(\.name).joined(separator: ", "))")
        }
        return try rows.dropFirst().map { row in
            guard row.fields.count == header.fields.count else {
                throw CSV.ParseError(line: row.line, problem: "\(row.fields.count) fields, the header has \(header.fields.count)")
            }
            let fields = try zip(header.fields.dropFirst(), row.fields.dropFirst()).map { name, written -> (key: String, value: JSONValue) in
                let cell = CSV.fromSpreadsheetSafe(written)
                do {
                    return (name, cell.isEmpty ? .null : try FieldArgument.json(collection: spec.name, field: name, text: cell))
                } catch {
                    throw CSV.ParseError(line: row.line, problem: "\(name): \(error)")
                }
            }
            return (row.line, CSV.fromSpreadsheetSafe(row.fields[0]), fields)
        }
    }

    static func fromJSON(_ text: String, spec: CollectionSpec) throws -> [(line: Int, id: String, fields: [(key: String, value: JSONValue)])] {
        let json: JSONValue
        do { json = try JSONParser.parse(Array(text.utf8)) } catch { throw CSV.ParseError(line: 1, problem: "\(error)") }
        guard case .array(let items) = json else { throw CSV.ParseError(line: 1, problem: "expected a JSON array of records") }
        return try items.enumerated().map { index, item in
            guard case .object(let members) = item, case .string(let id)? = item["id"] else {
                throw CSV.ParseError(line: 1, problem: "record \(index + 1) has no string id")
            }
            return (index + 1, id, members.filter { $0.key != "id" })
        }
    }
}
