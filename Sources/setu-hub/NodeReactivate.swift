import ArgumentParser
import Foundation
import SetuHub

extension NodeCommand {
    /// A revoked node comes back under its own id (its replica and its
    /// writes stay its own) with a new token: the token that was revoked
    /// never works again.
    struct Reactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reactivate a revoked node with a new token, printed once.")

        @Argument(help: "The node id.") var nodeID: String
        @OptionGroup var options: ConfigOption

        func run() async throws {
            let config = try options.load()
            try await NodeCommand.issueToken(
                to: try NodeCommand.nodeID(nodeID), revoked: false, config: config,
                note: "node \(nodeID) is active again; put the token above in its setud.toml (hub.token); the revoked token stays refused")
        }
    }
}
