import Foundation
import SetuTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct ChildProcessTests {
    /// A child that sets up no signal handling of its own (sleep(1), the
    /// benchmark's latency relay) stops on SIGTERM: it must not inherit the
    /// spawning thread's blocked signals (Dispatch's threads block SIGTERM).
    @Test func aChildWithNoHandlersOfItsOwnStopsOnSIGTERM() throws {
        let child = try ChildProcess("/bin/sleep", ["60"])
        defer {
            child.signal(SIGKILL)
            _ = child.wait(seconds: 10)
        }
        child.signal(SIGTERM)
        #expect(child.wait(seconds: 10) != nil, "sleep ignored SIGTERM")
        #expect(child.wasSignalled)
    }
}
