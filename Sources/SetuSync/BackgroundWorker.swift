import Foundation
import SetuTransport

/// A serial queue of work on one thread of its own, run at a lower CPU
/// priority than the rest of the process.
///
/// A sync's page writes take most of a core for as long as a bootstrap
/// runs. At the same priority as setud's control socket, `setuctl status`
/// waited up to a scheduler period for a core behind them (p99 9–14 ms
/// during a 100k bootstrap on two cores); office software on the same PC
/// competes the same way. Niced, that work yields the core to whatever
/// else is ready and still takes all of it when nothing is. The thread is
/// its own (not a Dispatch worker), because an unprivileged process can
/// lower a thread's priority but never raise it again, and a pooled thread
/// would carry the lowered priority into unrelated work.
public final class BackgroundWorker: @unchecked Sendable {
    /// The nice value of the thread: 10, the usual value for background work.
    public static let niceness: Int32 = 10

    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []

    public init(name: String, niceness: Int32 = BackgroundWorker.niceness) {
        let thread = Thread { [condition] in
            ThreadPriority.lowerCallingThread(to: niceness)
            while true {
                condition.lock()
                while self.jobs.isEmpty { condition.wait() }
                let job = self.jobs.removeFirst()
                condition.unlock()
                job()
            }
        }
        thread.name = name
        thread.start()
    }

    /// Runs `work` on the worker's thread, after the work submitted before it.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Lets go of `value` on the worker's thread, after the work submitted
    /// before it: whatever only `value` held is freed there, not on the
    /// caller's thread. The caller must hold no other copy (`consume` it).
    public func discard<T: Sendable>(_ value: consuming T) {
        let value = value
        submit { withExtendedLifetime(value) {} }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }
}
