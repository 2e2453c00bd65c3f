import Foundation
import SetuThreads
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct BackgroundWorkerTests {
    struct Refused: Error, Equatable {}

    final class Tally: Sendable {
        let state = Mutex<(active: Int, most: Int, order: [Int])>((0, 0, []))
    }

    /// Work runs one job at a time, at nice 10,
    /// while the thread that asked keeps its own priority; errors come back.
    @Test func runsOneJobAtATimeAtALowerPriorityAndReturnsErrors() async throws {
        let worker = BackgroundWorker(name: "test-worker")
        let tally = Tally()
        let before = Self.niceness()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<50 {
                group.addTask {
                    try await worker.run {
                        tally.state.withLock { $0.active += 1; $0.most = max($0.most, $0.active); $0.order.append(i) }
                        let sum = (0..<1_000).reduce(i, &+)
                        tally.state.withLock { $0.active -= 1 }
                        return sum
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 50)
        #expect(tally.state.withLock { $0.most } == 1, "never two jobs at once")
        #expect(tally.state.withLock { Set($0.order) } == Set(0..<50))
        let first = try await worker.run { 1 }
        async let second = worker.run { 2 }
        #expect(try await (first, second) == (1, 2))
        #expect(try await worker.run { Self.niceness() } == BackgroundWorker.niceness)
        #expect(Self.niceness() == before, "only the worker's thread is lowered")
        await #expect(throws: Refused.self) { try await worker.run { () throws -> Int in throw Refused() } }
        #expect(try await worker.run { 7 } == 7, "the worker goes on after a job that threw")
    }

    /// `runLater` returns at once; `runAndWait` blocks until its work ran,
    /// on the worker's thread after what was submitted before it, and gives
    /// its value or its error.
    @Test func runAndWaitBlocksUntilItsWorkRanAfterEarlierWork() throws {
        let worker = BackgroundWorker(name: "test-blocking")
        let order = Mutex<[Int]>([])
        let gate = DispatchSemaphore(value: 0)
        worker.runLater {
            gate.wait()
            order.withLock { $0.append(1) }
        }
        order.withLock { $0.append(0) }
        gate.signal()
        #expect(try worker.runAndWait { order.withLock { $0.append(2); return $0 } } == [0, 1, 2])
        #expect(try worker.runAndWait { Self.niceness() } == BackgroundWorker.niceness)
        #expect(throws: Refused.self) { try worker.runAndWait { () throws -> Int in throw Refused() } }
        #expect(try worker.runAndWait { 7 } == 7, "the worker goes on after a job that threw")
    }

    /// The threads `Freed` values were freed on.
    final class FreedOn: Sendable {
        let threads = Mutex<[pthread_t]>([])
    }

    /// Notes the thread it is freed on.
    final class Freed: Sendable {
        let log: FreedOn
        init(into log: FreedOn) { self.log = log }
        deinit { log.threads.withLock { $0.append(pthread_self()) } }
    }

    /// What is discarded is freed on the worker's thread, every time, also
    /// when the worker gets to it before `discard` has returned.
    @Test func discardFreesOnTheWorkersThread() async throws {
        let worker = BackgroundWorker(name: "test-freeing")
        let workerThread = try await worker.run { pthread_self() }
        let log = FreedOn()
        for _ in 0..<500 { worker.discard((Freed(into: log), [Freed(into: log)])) }
        _ = try await worker.run { 0 }
        #expect(log.threads.withLock { $0.count } == 1_000)
        #expect(log.threads.withLock { Set($0) } == [workerThread])
    }

    static func niceness() -> Int32 {
        errno = 0
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }
}
