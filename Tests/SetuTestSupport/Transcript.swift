/// What an end-to-end test did, printed as it goes: the transcript of a run
/// (commands with their exit status and output), for closing notes and for
/// reading a failure.
public final class Transcript: @unchecked Sendable {
    public init() {}

    public func say(_ line: String) { print("│ \(line)") }

    public func show(_ command: String, _ result: (status: Int32, output: String, error: String)) {
        say("$ \(command)   (exit \(result.status))")
        for line in (result.output + result.error).split(separator: "\n", omittingEmptySubsequences: false).dropLast() { say("  \(line)") }
    }
}
