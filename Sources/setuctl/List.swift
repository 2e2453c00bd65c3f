import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

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
