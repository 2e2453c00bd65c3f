import Foundation

/// Whether `task` ended within `limit`. Never waits longer, even for a task
/// that ignores its cancellation: postgres-nio 1.33.2's
/// `PostgresClient.run()` sometimes never returns once cancelled, and a
/// test or benchmark that awaited it hung for good (a CI run for its whole
/// 90 minutes). A task still running past `limit` is left behind.
public func taskEnded(_ task: Task<Void, Never>, within limit: Duration) async -> Bool {
    let first = FirstAnswer()
    return await withCheckedContinuation { continuation in
        Task { await task.value; first.resume(continuation, with: true) }
        Task { try? await Task.sleep(for: limit); first.resume(continuation, with: false) }
    }
}

/// Resumes a continuation once, with whichever answer comes first.
final class FirstAnswer: @unchecked Sendable {
    private let lock = NSLock()
    private var answered = false

    func resume(_ continuation: CheckedContinuation<Bool, Never>, with value: Bool) {
        let first = lock.withLock { () -> Bool in
            defer { answered = true }
            return !answered
        }
        if first { continuation.resume(returning: value) }
    }
}
