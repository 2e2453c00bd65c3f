import ArgumentParser
import Foundation
import SetuConfig
import SetuCore

/// `setu-hub`: the central sync endpoint.
@main
struct SetuHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setu-hub",
        abstract: "The central Setu hub that office nodes sync with.",
        discussion: """
            Exit codes: 0 success, 1 runtime failure, 64 usage error, 78 configuration error.
            """,
        version: SetuVersion.current,
        subcommands: [ServeCommand.self, NodeCommand.self, NodesCommand.self, AdminCommand.self, IntegrationCommand.self, BundleCommand.self, HubKeyCommand.self, PurgeCommand.self]
    )
}

struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path to hub.toml.")
    var config: String = "/etc/setu/hub.toml"

    /// Loads the config or exits 78 (EX_CONFIG) with the problem on stderr.
    func load() throws -> HubConfig {
        do {
            return try HubConfig.load(config)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("setu-hub: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }
}
