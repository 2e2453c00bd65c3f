import ArgumentParser
import Foundation
import SetuProtocol

/// `setuctl rejects retry N|--all`: tries set-aside writes again now.
/// Exits 5 if one is refused again (the reason is printed).
struct RejectsRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry", abstract: "Try set-aside writes again now (exit 5 if one is refused again).")
    @OptionGroup var options: SocketOptions
    @Argument(help: "The entry's number, as setuctl rejects lists it.") var number: Int64?
    @Flag(help: "Every entry.") var all = false

    func validate() throws {
        guard (number != nil) != all else { throw ValidationError("give an entry number or --all") }
    }

    func run() async throws {
        let answer = try await options.client.call("POST", number.map { "/v1/rejects/\($0)/retry" } ?? "/v1/rejects/retry")
        if options.json { return printJSON(answer) }
        let outcomes: [JSONValue] = if case .array(let items) = answer { items } else { [answer] }
        if outcomes.isEmpty { return print("nothing set aside") }
        var refused = 0
        for outcome in outcomes {
            let record = "#\(str(outcome["number"])) \(str(outcome["collection"]))/\(str(outcome["id"]))"
            switch str(outcome["result"]) {
            case "applied": print("\(record): written")
            case "queued": print("\(record): sent with the next sync (started now)")
            default:
                refused += 1
                print("\(record): refused again: \(str(outcome["reason"]))")
            }
        }
        if refused > 0 { throw CLIFailure(code: 5, message: "\(refused) refused again; fix the cause above, or setuctl rejects discard N") }
    }
}
