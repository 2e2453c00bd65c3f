import ArgumentParser
import Foundation
import SetuHub

struct AdminAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Make an admin token and print it once (the hub keeps only a hash).")

    @Argument(help: "Who holds it, e.g. khulna-dc or a2i-noc (letters, digits, . _ -).")
    var name: String

    @OptionGroup var options: ConfigOption

    func validate() throws { try AdminCommand.checkName(name) }

    func run() async throws {
        let config = try options.load()
        let (token, hash) = PrefixedToken.admin.generate(for: name)
        let admin = HubAdmin(name: name, createdAtMillis: Int64(Date().timeIntervalSince1970 * 1000), revoked: false)
        try await NodeCommand.withStorage(config) { try await $0.addAdmin(admin, tokenHash: hash) }
        print(token)
        FileHandle.standardError.write(Data("admin \(name) added; sign in at /admin with the token above, or send it as Authorization: Bearer to /v1/admin; it is not shown again\n".utf8))
    }
}
