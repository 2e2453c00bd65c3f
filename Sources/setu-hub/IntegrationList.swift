import ArgumentParser
import Foundation
import SetuCore
import SetuHub

struct IntegrationList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List integrations, tab-separated under a header (name, state, may, offices, added).")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let integrations = try await NodeCommand.withStorage(config) { try await $0.integrations() }
        print("NAME\tSTATE\tMAY\tOFFICES\tADDED")
        for i in integrations {
            let may = [i.canRead ? "read" : nil, i.canSell ? "sell" : nil].compactMap { $0 }.joined(separator: ",")
            print("\(i.name)\t\(i.revoked ? "revoked" : "active")\t\(may)\t\(i.offices.joined(separator: ","))\t\(RFC3339.format(millis: i.createdAtMillis))")
        }
    }
}
