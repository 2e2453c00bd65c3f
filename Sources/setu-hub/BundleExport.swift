import ArgumentParser
import Foundation
import SetuBundle
import SetuCore
import SetuHub

extension BundleCommand {
    /// `setu-hub bundle export --node ID FILE`: the answer an office takes in.
    struct BundleExport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write the answer bundle for a node: the hub's changes in its scope since its last bundle, signed by the hub.")
        @Option(help: "The node the answer is for.") var node: String
        @Option(help: "Split into volumes of at most this size (e.g. 700M, 20M, 512K).") var volumeSize: String?
        @Argument(help: "Where to write it (volumes: FILE.001, FILE.002, …).") var file: String
        @OptionGroup var options: ConfigOption

        func validate() throws {
            _ = try NodeCommand.nodeID(node)
            if let volumeSize, ByteSize.parse(volumeSize) == nil { throw ValidationError("--volume-size: \(ByteSize.hint)") }
        }

        func run() async throws {
            let config = try options.load()
            let id = try NodeCommand.nodeID(node)
            let answer: (header: BundleHeader, bytes: [UInt8])
            do {
                answer = try await BundleCommand.withBundles(config) { try await $0.answer(for: id) }
            } catch let error as HubError {
                FileHandle.standardError.write(Data("setu-hub: \(error.body.message)\n".utf8))
                throw ExitCode(1)
            }
            do {
                let files = try VolumeSet.write(answer.bytes, to: file, volumeBytes: volumeSize.flatMap(ByteSize.parse))
                print("\(answer.header.summary), \(answer.bytes.count) bytes, written to \(files.joined(separator: ", "))")
                print("at the office: setuctl bundle import \(files[0])")
            } catch {
                FileHandle.standardError.write(Data("setu-hub: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
