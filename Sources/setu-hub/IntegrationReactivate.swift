import ArgumentParser
import Foundation
import SetuHub

/// A revoked integration comes back under its own name (its sales stay
/// counted under the same node id) with a new token: the token that was
/// revoked never works again.
struct IntegrationReactivate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reactivate", abstract: "Reactivate a revoked integration with a new token, printed once.")

    @Argument(help: "The integration's name.") var name: String
    @OptionGroup var options: ConfigOption

    func validate() throws { try IntegrationCommand.checkName(name) }

    func run() async throws {
        try await IntegrationCommand.issueToken(
            to: name, revoked: false, config: try options.load(),
            note: "integration \(name) is active again; give the platform the token above; the revoked token stays refused")
    }
}
