import Foundation
import Logging
import ServiceLifecycle
import SetuCore
import SetuProtocol
import SetuStore
import SetuSync
import SetuTransport

/// The daemon's heart: syncs on a timer, on request (control API, SIGUSR1)
/// and with backoff after failures; stamps outside SQL writes every second;
/// keeps the status. Offline is a state, not an error storm: one log line
/// when the link goes, one when it comes back.
public actor SyncLoop: Service {
    public let replica: Replica
    private var settings: DaemonSettings
    private var engine: SyncEngine
    private var status: DaemonStatus
    private let notifier: SystemdNotifier
    private let logger: Logger
    private var waiters: [CheckedContinuation<Result<SyncReport, SyncFailure>, Never>] = []
    private var triggered = false
    private var wake: CheckedContinuation<Void, Never>?

    /// This node's public signing key, sent to the hub (bundles).
    private let nodeKey: String?

    public init(settings: DaemonSettings, replica: Replica, notifier: SystemdNotifier, version: String, logger: Logger, nodeKey: String? = nil) {
        self.nodeKey = nodeKey
        self.settings = settings
        self.replica = replica
        self.notifier = notifier
        self.logger = logger
        self.engine = Self.engine(settings, replica: replica, logger: logger, nodeKey: nodeKey)
        self.status = DaemonStatus(node: settings.node.rawValue, version: version, startedAt: Date(), schema: replica.schema.version)
    }

    static func engine(_ settings: DaemonSettings, replica: Replica, logger: Logger, nodeKey: String?) -> SyncEngine {
        var engine = SyncEngine(replica: replica, client: HubClient(transport: CurlTransport(options: settings.hub), token: settings.token, schemaVersion: replica.schema.version),
                                pageRecords: settings.pageRecords, pageBytes: settings.pageBytes, growPages: settings.growPages, logger: logger)
        engine.nodeKey = nodeKey
        return engine
    }

    /// The hub client of the running config (bundles carried for others).
    public var hubClient: HubClient { engine.client }

    /// The settings in force (reloads included).
    public var currentSettings: DaemonSettings { settings }

    /// Takes a reloaded config. The node and replica cannot change while running.
    public func reload(_ new: DaemonSettings) -> String? {
        guard new.node == settings.node, new.replicaPath == settings.replicaPath else {
            return "node.id and node.replica cannot change on reload; restart setud to change them"
        }
        settings = new
        engine = Self.engine(new, replica: replica, logger: logger, nodeKey: nodeKey)
        status.nextSyncAt = Date()
        triggerSync()
        return nil
    }

    /// Asks for a sync as soon as possible.
    public func triggerSync() {
        triggered = true
        wake?.resume()
        wake = nil
    }

    /// Triggers a sync and waits for its result.
    public func syncAndWait() async -> Result<SyncReport, SyncFailure> {
        await withCheckedContinuation { continuation in
            waiters.append(continuation)
            triggerSync()
        }
    }

    public func currentStatus() -> DaemonStatus {
        var s = status
        if let done = inFlight {
            s.inFlight = done
            s.recordsIn += done.pulledRecords
            s.recordsOut += done.pushedRecords
            s.bytesIn += done.bytesIn
            s.bytesOut += done.bytesOut
        }
        if let summary = try? replica.summary(for: SyncEngine.hub) {
            s.pendingLocalChanges = summary.pendingPush
            s.openConflicts = summary.openConflicts
            s.setAside = summary.setAside
            s.oversold = summary.oversold
            s.lastBundleOut = summary.lastBundleOut
            s.lastAnswerIn = summary.lastAnswerIn
            s.rebootstrapPending = summary.rebootstrapPending
            s.oldestUnsentSeconds = summary.oldestUnsentMillis.map { max(0, Int((Double(replica.now()) - Double($0)) / 1000)) }
        }
        s.warnings = warnings(s)
        if let problem = s.localWriteError ?? s.stampError, s.state != .syncing {
            s.state = .error
            s.lastError = problem
        } else if s.state == .idle, skewIsPastBound(s) {
            s.state = .clockSkew
        } else if s.state == .idle, s.setAside > 0 || s.oversold > 0 || s.nodeKeyMismatch || s.rebootstrapPending > 0 {
            s.state = .attention
        }
        s.replicaBytes = replica.sizeInBytes()
        return s
    }

    private func skewIsPastBound(_ s: DaemonStatus) -> Bool {
        guard let skew = s.clockSkewSeconds else { return false }
        return UInt64(skew.magnitude) * 1000 > replica.options.maxSkewMillis
    }

    /// What status asks a person to do, one sentence each.
    private func warnings(_ s: DaemonStatus) -> [String] {
        var list: [String] = []
        if let problem = s.localWriteError { list.append(problem) }
        if let problem = s.stampError { list.append(problem) }
        if skewIsPastBound(s), let skew = s.clockSkewSeconds {
            let way = skew < 0 ? "ahead of" : "behind"
            list.append("this PC's clock is \(Self.duration(seconds: skew.magnitude)) \(way) the hub's: Setu stamps and checks by the hub's time "
                + "meanwhile, but fix the clock (timedatectl set-ntp true, or set the date and the BIOS clock; a clock that resets at boot "
                + "needs a new BIOS battery)")
        }
        if s.rebootstrapPending > 0 {
            list.append("re-bootstrapping: the hub purged deletions while this office was away longer than its horizon, so every record is "
                + "pulled again (\(s.rebootstrapPending) still to come); unsent changes are kept and pushed; let the sync run to the end")
        }
        if s.setAside > 0 {
            list.append("\(s.setAside) writes set aside: see setuctl rejects (show, retry or discard each)")
        }
        if s.nodeKeyMismatch {
            list.append("the hub holds another signing key for this node, so bundles made here are refused there: give the hub's operator "
                + "the key from setud --print-public-key (setu-hub node set-key \(s.node) --public-key KEY)")
        }
        if let hub = s.hubSchema, hub > s.schema {
            list.append("the hub speaks schema \(hub) and this setud \(s.schema): records carry fields or collections this office keeps and passes on "
                + "but does not show; upgrade setud (apt install ./setu_VERSION_amd64.deb) to show them, no new sync needed")
        }
        if s.oversold > 0 {
            list.append("\(DaemonStatus.products(s.oversold)) oversold (sold online and here past the stock; every sale counts): see setuctl conflicts; "
                + "restock with setuctl stock adjust ID +N, or set the counted stock with setuctl resolve products ID stock --value N")
        }
        return list
    }

    /// "3 years", "20 days", "2 h", "90 s": a skew a person can take in.
    static func duration(seconds: UInt) -> String {
        let day: UInt = 86_400
        if seconds >= 365 * day { return "\(seconds / (365 * day)) years" }
        if seconds >= 2 * day { return "\(seconds / day) days" }
        if seconds >= 7_200 { return "\(seconds / 3_600) h" }
        if seconds >= 120 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }

    /// Notes that a local write failed for the disk; status shows it (state
    /// `error`) until a write works again (`run` probes every second).
    public func noteLocalWriteFailure(_ error: any Error) {
        guard let problem = replica.diskProblem(in: error) else { return }
        if status.localWriteError == nil {
            logger.error("local writes fail", metadata: ["setu.error": "\(problem)"])
        }
        status.localWriteError = problem
    }

    public func run() async throws {
        notifier.ready(status: "starting")
        status.state = .idle
        status.nextSyncAt = Date()
        triggered = true
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Outside SQL writes are stamped within about a second of commit.
            await stampOutsideWrites()
            if triggered || (status.nextSyncAt.map { $0 <= Date() } ?? false) {
                triggered = false
                await syncNow()
                continue
            }
            await sleep(seconds: 1)
        }
        notifier.stopping()
        for waiter in waiters { waiter.resume(returning: .failure(SyncFailure(message: "setud is stopping", retryable: true))) }
        waiters = []
    }

    /// Stamps outside SQL writes; while local writes fail for the disk,
    /// first probes whether they work again. A stamp that fails for another
    /// reason is kept for status (and logged once per message) until one
    /// works.
    ///
    /// Both wait for the replica's write lock, which office software can
    /// hold for as long as its transaction lasts (then they fail after the
    /// busy timeout): they wait on the write thread, not on this actor,
    /// which every status call goes through.
    private func stampOutsideWrites() async {
        let replica = self.replica
        do {
            if status.localWriteError != nil {
                try await SyncEngine.onTheWriteThread { try replica.probeWrite() }
                logger.notice("local writes work again")
                status.localWriteError = nil
            }
            try await SyncEngine.onTheWriteThread { _ = try replica.stampOutsideWrites() }
            if status.stampError != nil {
                logger.notice("outside SQL writes are stamped again")
                status.stampError = nil
            }
        } catch {
            noteLocalWriteFailure(error)
            guard status.localWriteError == nil else { return }
            let problem = "outside SQL writes cannot be stamped: " + (replica.lockProblem(in: error).map { "\($0); they are stamped once it commits or closes" } ?? "\(error)")
            if status.stampError != problem { logger.error("stamping outside writes failed", metadata: ["setu.error": "\(error)"]) }
            status.stampError = problem
        }
    }

    private func sleep(seconds: Double) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
            group.addTask { await self.waitForTrigger() }
            await group.next()
            group.cancelAll()
            self.wake?.resume()
            self.wake = nil
        }
    }

    private func waitForTrigger() async {
        if triggered { return }
        await withCheckedContinuation { continuation in
            if let old = wake { old.resume() }
            wake = continuation
        }
    }

    /// What this office tells the hub (its fleet view) as a sync starts,
    /// and as it ends when it moved records. The error is the last one that
    /// was not "offline" (a report reaching the hub means the link is up),
    /// and none at the end of a sync that got that far, unless local writes
    /// fail.
    private func nodeReport(ending: Bool, stateBefore: DaemonStatus.State, errorBefore: String?) -> NodeReport {
        let s = currentStatus()
        let error = ending ? s.localWriteError ?? s.stampError : (stateBefore == .error ? errorBefore : nil)
        return NodeReport(version: s.version, pending: s.pendingLocalChanges, oldestUnsentSeconds: s.oldestUnsentSeconds,
                          conflicts: s.openConflicts, setAside: s.setAside, oversold: s.oversold, clockSkewSeconds: s.clockSkewSeconds,
                          lastError: error)
    }

    private func syncNow() async {
        let before = currentStatus()
        inFlight = SyncReport()
        status.state = .syncing
        notifier.status(currentStatus().summary)
        let result: Result<SyncReport, SyncFailure>
        do {
            // On SIGTERM the sync in flight is cancelled, its request to the
            // hub aborted: committed pages and cursors make that safe, and a
            // hub that never answers must not hold setud past its stop limit.
            let engine = self.engine
            let report = try await cancelWhenGracefulShutdown {
                try await engine.syncOnce(
                    nodeReport: { ending in await self.nodeReport(ending: ending, stateBefore: before.state, errorBefore: before.lastError) },
                    shouldStop: { Task.isShuttingDownGracefully }, progress: { await self.noteProgress($0) })
            }
            result = .success(report)
            record(report)
        } catch {
            let failure = replica.lockProblem(in: error).map { SyncFailure(message: "the sync could not write to the replica: \($0); it is tried again", retryable: true) }
                ?? SyncFailure(error)
            result = .failure(failure)
            record(failure)
        }
        for waiter in waiters { waiter.resume(returning: result) }
        waiters = []
        notifier.status(currentStatus().summary)
    }

    /// What the sync in flight has done so far, shown by status on top of
    /// the totals until the sync ends (then it joins them, once).
    private var inFlight: SyncReport?

    private func noteProgress(_ report: SyncReport) { inFlight = report }

    private func record(_ report: SyncReport) {
        inFlight = nil
        if status.consecutiveFailures > 0 {
            logger.notice("hub reachable again", metadata: ["setu.node": "\(settings.node)"])
        }
        status.state = .idle
        status.consecutiveFailures = 0
        status.lastError = nil
        status.lastSyncAt = Date()
        status.recordsIn += report.pulledRecords
        status.recordsOut += report.pushedRecords
        status.bytesIn += report.bytesIn
        status.bytesOut += report.bytesOut
        status.clockSkewSeconds = report.clockSkewSeconds ?? status.clockSkewSeconds
        status.nodeKeyMismatch = report.nodeKeyMismatch
        status.hubSchema = report.hubSchema ?? status.hubSchema
        status.lastResult = "ok: \(report.pulledRecords) in, \(report.pushedRecords) out" + (report.setAside.isEmpty ? "" : ", \(report.setAside.count) set aside")
            + (report.rebootstrapDropped.map { ", re-bootstrapped (\($0) purged records dropped)" } ?? "")
        status.nextSyncAt = Date().addingTimeInterval(settings.syncIntervalSeconds)
        if report.pulledRecords + report.pushedRecords > 0 {
            logger.info("synced", metadata: ["setu.in": "\(report.pulledRecords)", "setu.out": "\(report.pushedRecords)"])
        }
    }

    private func record(_ failure: SyncFailure) {
        // Pages committed before the failure stay committed: count them.
        if let done = inFlight {
            status.recordsIn += done.pulledRecords
            status.recordsOut += done.pushedRecords
            status.bytesIn += done.bytesIn
            status.bytesOut += done.bytesOut
            inFlight = nil
        }
        status.consecutiveFailures += 1
        let wasFailing = status.consecutiveFailures > 1
        status.state = failure.offline ? .offline : .error
        status.lastError = failure.message
        status.lastResult = "failed: \(failure.message)"
        let delay = settings.backoff.delay(afterFailures: status.consecutiveFailures, jitter: Double.random(in: 0...1),
                                           retryAfter: failure.retryAfterSeconds.map(Double.init))
        status.nextSyncAt = Date().addingTimeInterval(min(delay, max(settings.syncIntervalSeconds, delay)))
        if !wasFailing {
            logger.warning("sync failed; retrying with backoff", metadata: ["setu.error": "\(failure.message)", "setu.retry_in": "\(Int(delay)) s"])
        } else {
            logger.debug("sync failed again", metadata: ["setu.error": "\(failure.message)", "setu.failures": "\(status.consecutiveFailures)"])
        }
    }
}

/// Why a sync did not complete.
public struct SyncFailure: Error, Sendable {
    public let message: String
    public let retryable: Bool
    /// The network is down or the hub unreachable: a normal state offline.
    public let offline: Bool
    /// The hub asked to be left alone this long (503 `Retry-After`).
    public let retryAfterSeconds: Int?

    public init(message: String, retryable: Bool, offline: Bool = false, retryAfterSeconds: Int? = nil) {
        self.message = message
        self.retryable = retryable
        self.offline = offline
        self.retryAfterSeconds = retryAfterSeconds
    }

    init(_ error: any Error) {
        if let transport = error as? TransportError {
            let offline: Set<TransportError.Kind> = [.dns, .connect, .timeout, .stalled, .reset, .proxy]
            // A refusal that waiting does not mend (a proxy's 407) is an
            // error to show with its fix, not "offline".
            self.init(message: transport.description, retryable: transport.isRetryable,
                      offline: offline.contains(transport.kind) && transport.isRetryable)
        } else if let refusal = error as? HubRefusal {
            self.init(message: refusal.description, retryable: refusal.isRetryable, retryAfterSeconds: refusal.retryAfterSeconds)
        } else {
            self.init(message: "\(error)", retryable: true)
        }
    }
}
