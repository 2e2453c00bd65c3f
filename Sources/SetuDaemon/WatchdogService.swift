import ServiceLifecycle

/// Tells systemd's watchdog that setud is alive, at half the interval it
/// asks for, for as long as setud runs: during a sync as well. The pings
/// used to come from the sync loop between syncs, so systemd killed setud
/// during any sync longer than `WatchdogSec` (a bootstrap over 2G).
///
/// A hung sync does not stop these pings; libcurl's timeouts and low-speed
/// limit bound every request instead.
public struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration

    public init(notifier: SystemdNotifier, interval: Duration) {
        self.notifier = notifier
        self.interval = interval
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    notifier.watchdog()
                    try await Task.sleep(for: interval / 2)
                }
            }
        } catch is CancellationError {
            // Shutting down: the pings end with setud, which is the point.
        }
    }
}
