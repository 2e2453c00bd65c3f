import ArgumentParser
import Foundation
import SetuBundle
import SetuProtocol

/// `setuctl bundle import FILE`: the hub's answer for this office.
struct BundleImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Verify the hub's answer bundle (made for this node, signed by its hub) and take it in.")
    @Argument(help: "The answer (or its first volume, FILE.001).") var file: String
    @OptionGroup var options: SocketOptions

    func run() async throws {
        let bytes = try BundleFile.read(file)
        let result = try JSONParser.parse(try await options.client.send("POST", "/v1/bundle/import", body: bytes,
                                                                         contentType: "application/octet-stream", timeoutSeconds: 0))
        if options.json { return printJSON(result) }
        let count = { (key: String) in result[key].map(JSONWriter.string) ?? "0" }
        print("answer \(count("seq")) taken in: \(count("records")) records, \(count("changed")) changed, \(count("unchanged")) already here")
        if case .array(let setAside)? = result["set_aside"], !setAside.isEmpty {
            throw CLIFailure(code: 6, message: "\(setAside.count) set aside (refused by the hub or here): see setuctl rejects")
        }
    }
}

/// Reads a bundle or its volumes, as a usage-level failure when it cannot.
enum BundleFile {
    static func read(_ path: String) throws -> [UInt8] {
        do { return try VolumeSet.read(path) } catch let refusal as BundleRefusal {
            throw CLIFailure(code: 5, message: "\(refusal)")
        } catch {
            throw CLIFailure(code: 1, message: "\(error)")
        }
    }
}
