import ArgumentParser
import Foundation
import SetuBundle
import SetuHub

extension BundleCommand {
    /// `setu-hub bundle import FILE`: as if the office had pushed over the network.
    struct BundleImport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Verify an office's bundle (its node's signature) and merge it, as the same push over the network would.",
            discussion: "FILE is the bundle, or the first of its volumes (FILE.001). Exit 0 taken in, 1 refused (nothing applied), 2 taken in before.")
        @Argument(help: "The bundle file (setuctl bundle export made it).") var file: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let config = try options.load()
            do {
                let bytes = try VolumeSet.read(file)
                let imported = try await BundleCommand.withBundles(config) { bundles in
                    try await bundles.importBundle(bytes, logger: HubRuntime.logger(level: .warning))
                }
                print("\(imported.header.summary) taken in: \(imported.changed) changed, \(imported.unchanged) already here, \(imported.refused.count) refused")
                for refusal in imported.refused.prefix(20) { print("  refused \(refusal.collection)/\(refusal.id): \(refusal.reason)") }
                if !imported.refused.isEmpty { print("the answer bundle carries the refusals back; the office sets them aside (setuctl rejects)") }
                print("make the answer with: setu-hub bundle export --node \(imported.header.node) FILE")
            } catch let refusal as BundleRefusal {
                throw BundleCommand.refuse(refusal)
            } catch let error as VolumeError {
                FileHandle.standardError.write(Data("setu-hub: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
