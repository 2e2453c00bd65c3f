import ArgumentParser
import Foundation
import SetuProtocol

/// `setuctl bundle forward FILE`: upload another office's bundle.
struct BundleForward: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward", abstract: "Upload a bundle another office made to the hub over this office's link (the hub checks its maker's signature).")
    @Argument(help: "The bundle (or its first volume, FILE.001).") var file: String
    @OptionGroup var options: SocketOptions

    func run() async throws {
        let bytes = try BundleFile.read(file)
        let result = try JSONParser.parse(try await options.client.send("POST", "/v1/bundle/forward", body: bytes,
                                                                         contentType: "application/octet-stream", timeoutSeconds: 0))
        if options.json { return printJSON(result) }
        let value = { (key: String) in result[key].map(JSONWriter.string)?.trimmingCharacters(in: ["\""]) ?? "?" }
        print("bundle \(value("seq")) of \(value("node")) taken in at the hub: \(value("changed")) changed, \(value("unchanged")) already there")
        if case .array(let refused)? = result["refused"], !refused.isEmpty {
            print("\(refused.count) refused by the hub; the answer carries them back to \(value("node"))")
        }
        print("fetch its answer with: setuctl bundle fetch --for \(value("node")) FILE")
    }
}
