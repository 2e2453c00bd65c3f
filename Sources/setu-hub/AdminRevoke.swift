import ArgumentParser
import Foundation
import SetuHub

struct AdminRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke an admin token: the dashboard and API refuse it from the next request on.")

    @Argument(help: "The admin's name.")
    var name: String

    @OptionGroup var options: ConfigOption

    func validate() throws { try AdminCommand.checkName(name) }

    func run() async throws {
        let config = try options.load()
        let found = try await NodeCommand.withStorage(config) { [name] in try await $0.revokeAdmin(name) }
        guard found else {
            FileHandle.standardError.write(Data("setu-hub: no admin \(name); see setu-hub admin list\n".utf8))
            throw ExitCode(1)
        }
        print("admin \(name) revoked")
    }
}
