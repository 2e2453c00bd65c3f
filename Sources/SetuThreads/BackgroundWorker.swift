import Foundation
import Synchronization

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
            // Linux gives a new thread its creator's name (a Dispatch
            // worker's), and Foundation passes a name set before `start`
            // on to the thread only when the thread sets it itself. Named,
            // it shows as itself in top, perf and gdb.
            Thread.current.name = name
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

    /// Runs `work` on the worker's thread, after the work submitted before
    /// it, and returns at once.
    public func runLater(_ work: @escaping @Sendable () -> Void) {
        submit(work)
    }

    /// Runs `work` on the worker's thread, after the work submitted before
    /// it, and blocks the caller until it is done: for a caller that cannot
    /// wait asynchronously. Never call it from the worker's own thread.
    public func runAndWait<T: Sendable, Failure: Error>(_ work: @escaping @Sendable () throws(Failure) -> T) throws(Failure) -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<T, Failure>?>(nil)
        submit {
            let result = Result(catching: { () throws(Failure) -> T in try work() })
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }

    /// Lets go of `value` on the worker's thread, after the work submitted
    /// before it: whatever only `value` held is freed there, not on the
    /// caller's thread. The caller must hold no other copy (`consume` it).
    ///
    /// The value is moved (`consume`) into a box that only the worker
    /// empties. Captured by the closure, or passed on as a copy, it would
    /// leave this call a reference to release when it returns, and when the
    /// worker had run first, that release was the last one, on the caller's
    /// thread (`discardFreesOnTheWorkersThread` caught it under the
    /// parallel test suite's load).
    public func discard<T: Sendable>(_ value: consuming T) {
        let held = Held(consume value)
        submit { held.value = nil }
    }

    /// A value on its way to be let go of; set, then emptied by the worker alone.
    private final class Held<T>: @unchecked Sendable {
        var value: T?
        init(_ value: consuming T) { self.value = value }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }
}
