import ArgumentParser
import Foundation
import SetuProtocol

/// `setuctl rejects`: the writes set aside (by the hub, or here at capture
/// or when a hub state was refused), with their reasons: what status's
/// `attention` state asks a person to look at, and what to do with each.
struct Rejects: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Writes set aside: list them, show one, try again, or discard.",
        discussion: """
            Setu tries set-aside writes again by itself when the reason may have passed (the \
            PC's clock was corrected, the hub added an office, a while later for a hub refusal); \
            retry does it now.
            """,
        subcommands: [RejectsList.self, RejectsShow.self, RejectsRetry.self, RejectsDiscard.self],
        defaultSubcommand: RejectsList.self)
}

/// `setuctl rejects [list]`.
struct RejectsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List writes set aside, with the reason for each.")
    @OptionGroup var options: SocketOptions

    func run() async throws {
        let rejects = try await options.client.call("GET", "/v1/rejects")
        if options.json { return printJSON(rejects) }
        guard case .array(let items) = rejects, !items.isEmpty else { return print("nothing set aside") }
        for item in items {
            print("#\(str(item["number"]))  \(str(item["at"]))  \(str(item["collection"]))/\(str(item["id"]))  "
                + "(\(RejectKind.describe(str(item["kind"])))\(RejectKind.attempts(item)))  \(str(item["reason"]))")
        }
        print("setuctl rejects show N for one; retry N or --all to try again; discard N to give one up")
    }
}

/// How the human views name an entry's kind and tries.
enum RejectKind {
    static func describe(_ kind: String) -> String {
        switch kind {
        case "received": "from the hub, refused here"
        case "refused": "refused by the hub"
        case "sql": "SQL write refused"
        default: kind
        }
    }

    static func attempts(_ item: JSONValue) -> String {
        guard case .int(let n)? = item["attempts"], n > 1 else { return "" }
        return ", \(n) tries"
    }
}
