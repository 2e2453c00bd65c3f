import ArgumentParser
import Foundation
import SetuHub

extension NodeCommand {
    /// A leaked or lost token costs the office nothing: the node keeps its
    /// id, its offices and its replica, and only the token changes.
    struct RotateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-token",
            abstract: "Give a node a new token, printed once; the old one is refused from the next request on.")

        @Argument(help: "The node id.") var nodeID: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let config = try options.load()
            try await NodeCommand.issueToken(
                to: try NodeCommand.nodeID(nodeID), config: config,
                note: "node \(nodeID) has a new token; put it in its setud.toml (hub.token) and reload setud (systemctl reload setud); the old token no longer works")
        }
    }
}
