import ArgumentParser
import Foundation
import SetuHub

extension NodeCommand {
    struct SetOffices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-offices",
            abstract: "Replace the offices a node serves (it reads and writes only their records).")

        @Argument(help: "The node id.") var nodeID: String

        @Option(name: .customLong("office"), help: "An office code the node serves, e.g. upazila:rupsha (repeatable).")
        var offices: [String] = []

        @OptionGroup var options: ConfigOption

        func validate() throws {
            _ = try NodeCommand.nodeID(nodeID)
            try NodeCommand.validateOffices(offices)
        }

        func run() async throws {
            let config = try options.load()
            try await NodeCommand.update(try NodeCommand.nodeID(nodeID), AccountChange(offices: offices), config: config)
            print("node \(nodeID) serves \(offices.joined(separator: ", "))")
        }
    }
}
