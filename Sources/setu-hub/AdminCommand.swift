import ArgumentParser
import Foundation
import SetuHub

/// `setu-hub admin`: tokens for the fleet view (`/admin`, `/v1/admin`),
/// separate from node tokens.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Add, list and revoke admin tokens for the fleet dashboard and API.",
        subcommands: [AdminAdd.self, AdminList.self, AdminRevoke.self])

    static func checkName(_ name: String) throws {
        guard HubAdmin.isValidName(name) else { throw ValidationError("admin name must be 1–64 letters, digits, '.', '_' or '-'") }
    }
}
