import ArgumentParser
import Foundation
import SetuCore
import SetuImport
import SetuProtocol

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a collection as CSV (opens in a spreadsheet, Bengali included) or JSON.")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Option var format: FileFormat = .csv
    @Option(help: "Write here instead of standard output.") var output: String?

    func run() async throws {
        guard let spec = Collections.named(collection) else { throw ValidationError("unknown collection \(collection)") }
        var records: [JSONValue] = []
        var after: String?
        repeat {
            var path = "/v1/records/\(spec.name)?limit=1000"
            if let after { path += "&after=\(after)" }
            let page = try await options.client.call("GET", path)
            if case .array(let items)? = page["records"] { records += items }
            if case .string(let next)? = page["next"] { after = next } else { after = nil }
        } while after != nil
        let text: String
        switch format {
        case .json: text = JSONWriter.string(.array(records)) + "\n"
        case .csv:
            let header = ["id"] + spec.fields.map(\.name)
            text = CSV.write(header: header, rows: records.map { record in header.map { cell(record[$0]) } })
        }
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
            FileHandle.standardError.write(Data("exported \(records.count) \(spec.name) to \(output)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    /// A CSV cell; text is made spreadsheet-safe (numbers stay numbers).
    func cell(_ value: JSONValue?) -> String {
        switch value {
        case .string(let s)?: CSV.spreadsheetSafe(s)
        case .int(let i)?: String(i)
        case .bool(let b)?: b ? "true" : "false"
        default: ""
        }
    }
}
