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
