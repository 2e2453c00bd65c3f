import Logging
import ServiceLifecycle
import SetuCore

/// Keeps what the hub sees of each node and writes it in batches.
///
/// An idle poll must stay as cheap as it is: a write transaction (an fsync
/// on SQLite) per poll would cost more than the poll. So requests only fold
/// their activity into memory here, and one transaction every `interval`
/// writes what changed. A hub that dies loses at most that interval of
/// "last seen" (the nodes' data itself is never held here).
public actor FleetRecorder: Service {
    let storage: any HubStorage
    let interval: Duration
    let logger: Logger
    private var pending: [NodeID: NodeActivity] = [:]

    public init(storage: any HubStorage, interval: Duration = .seconds(2), logger: Logger) {
        self.storage = storage
        self.interval = interval
        self.logger = logger
    }

    /// Folds one request's activity in; written at the next flush.
    public func note(_ activity: NodeActivity) {
        if pending[activity.node] == nil {
            pending[activity.node] = activity
        } else {
            pending[activity.node]!.absorb(activity)
        }
    }

    /// Writes everything noted so far. On a storage failure the batch is
    /// kept (folded with what came meanwhile) and tried at the next flush.
    public func flush() async {
        guard !pending.isEmpty else { return }
        let batch = Array(pending.values)
        pending = [:]
        do {
            try await storage.recordActivity(batch)
        } catch {
            logger.warning("could not record node activity; will retry", metadata: ["setu.nodes": "\(batch.count)", "setu.error": "\(error)"])
            for activity in batch { note(activity) }
        }
    }

    /// Flushes every `interval` until shutdown, then once more.
    public func run() async throws {
        let interval = self.interval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await flush()
        }
        await flush()
    }
}
