import ArgumentParser
import Foundation
import SetuHub

/// `setu-hub integration`: tokens for outside platforms (the national
/// e-commerce service) that read the product catalogue and record sales.
struct IntegrationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integration", abstract: "Add, list, re-key, re-scope, revoke and reactivate catalogue integrations (e-commerce platforms).",
        subcommands: [IntegrationAdd.self, IntegrationList.self, IntegrationRotateToken.self, IntegrationSetOffices.self,
                      IntegrationRevoke.self, IntegrationReactivate.self])

    static func checkName(_ name: String) throws {
        guard HubIntegration.isValidName(name) else {
            throw ValidationError("integration name must be 1–48 lowercase letters, digits or '-', not starting with '-' (e.g. ecom)")
        }
    }

    /// Gives an integration a fresh token (with `revoked` when given) and
    /// prints it once, with `note` on stderr.
    static func issueToken(to name: String, revoked: Bool? = nil, config: HubConfig, note: String) async throws {
        let (token, hash) = PrefixedToken.integration.generate(for: name)
        try await update(name, AccountChange(tokenHash: hash, revoked: revoked), config: config)
        print(token)
        FileHandle.standardError.write(Data("\(note)\n".utf8))
    }

    /// Applies `change` to one integration, or exits 1 naming the missing one.
    static func update(_ name: String, _ change: AccountChange, config: HubConfig) async throws {
        let found = try await NodeCommand.withStorage(config) { try await $0.updateIntegration(name, change) }
        guard found else {
            FileHandle.standardError.write(Data("setu-hub: no integration \(name); see setu-hub integration list\n".utf8))
            throw ExitCode(1)
        }
    }
}
