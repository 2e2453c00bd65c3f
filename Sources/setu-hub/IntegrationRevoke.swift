import ArgumentParser
import Foundation
import SetuHub

struct IntegrationRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke an integration: its token is refused from the next request on; sales it recorded stay counted.")

    @Argument(help: "The integration's name.") var name: String
    @OptionGroup var options: ConfigOption

    func validate() throws { try IntegrationCommand.checkName(name) }

    func run() async throws {
        let config = try options.load()
        try await IntegrationCommand.update(name, AccountChange(revoked: true), config: config)
        print("integration \(name) revoked; the sales it recorded stay counted; setu-hub integration reactivate \(name) gives it a new token")
    }
}
