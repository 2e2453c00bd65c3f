import ArgumentParser
import Foundation
import SetuCore
import SetuHub

struct AdminList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List admins: name, state, when added.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let admins = try await NodeCommand.withStorage(config) { try await $0.admins() }
        print("NAME\tSTATE\tADDED")
        for admin in admins {
            print("\(admin.name)\t\(admin.revoked ? "revoked" : "active")\t\(RFC3339.format(millis: admin.createdAtMillis))")
        }
    }
}
