import ArgumentParser
import Foundation
import SetuBundle

/// `setuctl bundle export FILE [--volume-size 20M]`
struct BundleExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write every change the hub has not acknowledged to FILE, signed by this node.")
    @Argument(help: "Where to write it (volumes: FILE.001, FILE.002, …).") var file: String
    @Option(help: "Split into volumes of at most this size (e.g. 700M, 20M, 512K).") var volumeSize: String?
    @OptionGroup var options: SocketOptions

    func validate() throws {
        if let volumeSize, ByteSize.parse(volumeSize) == nil { throw ValidationError("--volume-size: \(ByteSize.hint)") }
    }

    func run() async throws {
        let bytes = try await options.client.send("POST", "/v1/bundle/export", body: nil, contentType: "application/json", timeoutSeconds: 0)
        let header = try SignedBundle.peek(bytes)
        let files: [String]
        do {
            files = try VolumeSet.write(bytes, to: file, volumeBytes: volumeSize.flatMap(ByteSize.parse))
        } catch {
            throw CLIFailure(code: 1, message: "\(error)")
        }
        if options.json {
            return printJSON(.object([("seq", .int(header.seq)), ("records", .int(Int64(header.records))), ("bytes", .int(Int64(bytes.count))),
                                      ("files", .array(files.map { .string($0) }))]))
        }
        print("\(header.summary), \(bytes.count) bytes, written to \(files.joined(separator: ", "))")
        print("take it to the hub (setu-hub bundle import) or to an office with a link (setuctl bundle forward); bring back the answer for \(header.node)")
    }
}
