import ArgumentParser
import Foundation
import SetuBundle
import SetuCore

/// `setuctl bundle fetch --for NODE FILE`: the hub's answer, to carry there.
struct BundleFetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Download the hub's answer bundle for another office, to carry there on a stick.")
    @Option(name: .customLong("for"), help: "The node the answer is for.") var node: String
    @Argument(help: "Where to write it (volumes: FILE.001, …).") var file: String
    @Option(help: "Split into volumes of at most this size (e.g. 700M, 20M, 512K).") var volumeSize: String?
    @OptionGroup var options: SocketOptions

    func validate() throws {
        guard NodeID(rawValue: node) != nil else { throw ValidationError("--for must be a node id") }
        if let volumeSize, ByteSize.parse(volumeSize) == nil { throw ValidationError("--volume-size: \(ByteSize.hint)") }
    }

    func run() async throws {
        let bytes = try await options.client.send("POST", "/v1/bundle/fetch?for=\(node)", body: nil, contentType: "application/json", timeoutSeconds: 0)
        let header = try SignedBundle.peek(bytes)
        let files: [String]
        do { files = try VolumeSet.write(bytes, to: file, volumeBytes: volumeSize.flatMap(ByteSize.parse)) } catch {
            throw CLIFailure(code: 1, message: "\(error)")
        }
        print("\(header.summary), \(bytes.count) bytes, written to \(files.joined(separator: ", "))")
        print("at \(header.node): setuctl bundle import \(files[0])")
    }
}
