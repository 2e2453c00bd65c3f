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
        let config = try options.load()
        let (token, hash) = PrefixedToken.integration.generate(for: name)
        try await IntegrationCommand.update(name, IntegrationChange(tokenHash: hash), config: config)
        print(token)
        FileHandle.standardError.write(Data("integration \(name) has a new token; give it to the platform; the old token no longer works\n".utf8))
    }
}
