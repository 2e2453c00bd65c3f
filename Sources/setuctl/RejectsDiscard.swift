import ArgumentParser
import Foundation
import SetuProtocol

/// `setuctl rejects discard N`: gives up one set-aside write.
struct RejectsDiscard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discard", abstract: "Give up one write set aside.",
        discussion: """
            A state from the hub is dropped here (the hub keeps it). An SQL write's values are \
            forgotten (the row already shows the record as it was). A local write the hub refused \
            stays in this replica as written but is no longer offered to the hub, until a later \
            edit of the record sends it again.
            """)
    @OptionGroup var options: SocketOptions
    @Argument(help: "The entry's number, as setuctl rejects lists it.") var number: Int64

    func run() async throws {
        let answer = try await options.client.call("DELETE", "/v1/rejects/\(number)")
        options.json ? printJSON(answer) : print("discarded #\(number)")
    }
}
