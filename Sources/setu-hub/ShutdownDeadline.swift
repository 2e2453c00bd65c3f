import Logging
import ServiceLifecycle

/// Runs the HTTP server and, once shutdown is asked for, gives the requests
/// in progress `bound` to finish before cancelling it.
///
/// Hummingbird's graceful shutdown waits for every request in progress, and
/// a push arriving over a 2G link may take the whole 300 s body timeout: the
/// hub would sit past systemd's TimeoutStopSec and be killed, skipping the
/// fleet recorder's last flush. Cut off here instead, the push fails at the
/// office, which retries it whole (a push is idempotent), and the services
/// after the server still stop in order.
struct ShutdownDeadline<Wrapped: Service>: Service {
    let service: Wrapped
    let bound: Duration
    let logger: Logger

    func run() async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            // Child tasks inherit the graceful-shutdown context, so the
            // server still hears the shutdown itself.
            group.addTask { try await service.run(); return true }
            group.addTask {
                try await gracefulShutdown()
                logger.notice("stopping: requests in progress may finish", metadata: ["setu.within_seconds": "\(bound.components.seconds)"])
                try await Task.sleep(for: bound)
                return false
            }
            let serverFinished = try await group.next()!
            if !serverFinished {
                logger.warning("shutdown: requests still in progress were cut off; their offices will send them again",
                               metadata: ["setu.after_seconds": "\(bound.components.seconds)"])
            }
            group.cancelAll()
            // The other task: the server ending under cancellation, or the
            // timer cancelled (its CancellationError is expected).
            _ = try? await group.next()
        }
    }
}
