import ArgumentParser
import Foundation
import SetuCore
import SetuImport
import SetuProtocol

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Import a published charter, or records from a CSV/JSON file.", subcommands: [Charter.self, ImportFile.self])

    struct Charter: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a citizen charter as published (tab-separated, Bengali) into services.",
            discussion: "All or nothing: a line that cannot be read is reported with its number and nothing is imported, unless --skip-bad. Re-importing the same file writes nothing.")
        @OptionGroup var options: SocketOptions
        @Argument(help: "The charter text file.") var file: String
        @Option(help: "The office the charter belongs to, e.g. upazila:rupsha.") var office: String
        @Flag(name: .customLong("skip-bad"), help: "Import the readable rows and report the others.") var skipBad = false

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIFailure(code: 5, message: "cannot read \(file)")
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw CLIFailure(code: 5, message: "\(file) is not UTF-8 text; save it as UTF-8")
            }
            let parsed: CharterParser.Result
            do {
                parsed = try CharterParser.parse(text, office: office, skipBad: skipBad)
            } catch let error as CharterParser.LineError {
                let hint = error.line > 0 ? " (use --skip-bad to import the other rows)" : ""
                throw CLIFailure(code: 5, message: "\(file): \(error); nothing imported\(hint)")
            }
            for skipped in parsed.skipped { FileHandle.standardError.write(Data("setuctl: \(file): skipped \(skipped)\n".utf8)) }
            let records: [JSONValue] = parsed.services.map { service in
                .object([
                    ("id", .string(CharterParser.id(office: office, section: service.section, serial: service.serial))),
                    ("fields", .object(service.fields.keys.sorted().map { ($0, JSONValue(service.fields[$0]!)) })),
                ])
            }
            let result = try await options.client.call("POST", "/v1/import/services", body: .object([("records", .array(records))]), timeoutSeconds: 300)
            if options.json { return printJSON(result) }
            print("\(parsed.services.count) services read from \(file): \(str(result["written"])) written, \(str(result["unchanged"])) unchanged" + (parsed.skipped.isEmpty ? "" : ", \(parsed.skipped.count) lines skipped"))
        }
    }
}
