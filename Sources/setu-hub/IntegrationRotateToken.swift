import ArgumentParser
import Foundation
import SetuHub

/// A leaked token costs the platform nothing but a redeploy: the
/// integration keeps its name, scope and recorded sales.
struct IntegrationRotateToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-token", abstract: "Give an integration a new token, printed once; the old one is refused from the next request on.")

    @Argument(help: "The integration's name.") var name: String
    @OptionGroup var options: ConfigOption

    func validate() throws { try IntegrationCommand.checkName(name) }

    func run() async throws {
        try await IntegrationCommand.issueToken(
            to: name, config: try options.load(),
            note: "integration \(name) has a new token; give it to the platform; the old token no longer works")
    }
}
