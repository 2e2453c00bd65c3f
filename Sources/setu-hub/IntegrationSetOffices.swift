import ArgumentParser
import Foundation
import SetuHub

/// A platform that takes on more display centres (or gives some up) keeps
/// its name, token and recorded sales: its sales stay counted under the
/// same node id. What it reads and sells changes from the next request on.
struct IntegrationSetOffices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-offices", abstract: "Replace the offices whose products an integration may read and sell.")

    @Argument(help: "The integration's name.") var name: String

    @Option(name: .customLong("office"), help: "An office code, e.g. district:khulna (repeatable).")
    var offices: [String] = []

    @OptionGroup var options: ConfigOption

    func validate() throws {
        try IntegrationCommand.checkName(name)
        try NodeCommand.validateOffices(offices)
    }

    func run() async throws {
        try await IntegrationCommand.update(name, AccountChange(offices: offices), config: try options.load())
        print("integration \(name) reads and sells for \(offices.joined(separator: ", "))")
    }
}
