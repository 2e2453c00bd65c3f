import Foundation
import Logging
import Synchronization
import SetuCore
import SetuProtocol
import SetuStore
import SetuThreads
import SetuTransport

/// One office node's sync with the hub: pull, then push, in bounded pages.
///
/// Every page commits with its cursor (the pull cursor in the same
/// transaction as the states; the push position only after the hub
/// acknowledged), so an interrupted sync resumes exactly where it stopped.
public struct SyncEngine: Sendable {
    public static let hub: NodeID = Replica.hub

    public let replica: Replica
    public let client: HubClient
    /// Pull pages: `pageRecords` and `pageBytes`, grown on a fast link
    /// when `growPages` (`PageSizer`); kept for the engine's life.
    public let pageSizer: SharedPageSizer
    /// Push pages, in records (the hub takes at most 1,000).
    public var pageRecords: Int
    /// This node's public signing key, sent on the first pull of a sync so
    /// the hub can verify the bundles this office makes.
    public var nodeKey: String?
    let logger: Logger

    /// `growPages`: pull pages may grow past `pageRecords` and `pageBytes`
    /// on a fast link; `pageTargetSeconds` is the transfer time they are
    /// sized for (`PageSizer.targetSeconds`).
    public init(replica: Replica, client: HubClient, pageRecords: Int = 500, pageBytes: Int = 1 << 20,
                growPages: Bool = false, pageTargetSeconds: Double = 1, logger: Logger) {
        self.replica = replica
        self.client = client
        self.pageRecords = pageRecords
        self.pageSizer = SharedPageSizer(PageSizer(configured: PageLimits(records: pageRecords, bytes: pageBytes), grows: growPages,
                                                   targetSeconds: pageTargetSeconds))
        self.logger = logger
    }

    /// Stamps outside writes, pulls until the hub has nothing new, then pushes
    /// until nothing local is unacknowledged. Throws on the first transport
    /// failure; what was committed before it stays committed.
    ///
    /// `progress` sees the report so far after every page, so status can
    /// move during a long sync instead of only at its end. `nodeReport` is
    /// what the hub's fleet view shows of this office: it rides on the first
    /// pull (`ending` false), and a sync that moved records ends with one
    /// more pull carrying a fresh one (`ending` true), so the hub shows the
    /// office as the sync left it (nothing pending), not as it began. An
    /// idle sync stays one request.
    public func syncOnce(nodeReport: (@Sendable (_ ending: Bool) async -> NodeReport?)? = nil, shouldStop: @Sendable () -> Bool = { false },
                         progress: @Sendable (SyncReport) async -> Void = { _ in }) async throws -> SyncReport {
        var report = SyncReport()
        let replica = self.replica
        // Every write of a sync runs on the write thread, as a page does:
        // each waits for the replica's write lock, which office software
        // can hold for seconds, and must not hold a thread of the control
        // socket's meanwhile.
        _ = try await Self.onTheWriteThread { try replica.stampOutsideWrites() }
        try await pull(into: &report, nodeReport: await nodeReport?(false), shouldStop: shouldStop, progress: progress)
        try await push(into: &report, shouldStop: shouldStop, progress: progress)
        if let nodeReport, report.pulledRecords + report.pushedRecords > 0, !shouldStop() {
            try await pull(into: &report, nodeReport: await nodeReport(true), shouldStop: shouldStop, progress: progress)
        }
        return report
    }

    /// The same report at the start and, after a sync that moved records, at the end.
    public func syncOnce(nodeReport: NodeReport) async throws -> SyncReport {
        try await syncOnce(nodeReport: { _ in nodeReport })
    }

    /// Pulls pages until the hub has nothing new. Three pages are under way
    /// at once: one is written, the next is prepared for the replica
    /// (`Replica.prepare`), and the one after it is asked for as soon as the
    /// next one's cursor is decoded. On a bootstrap the hub, the link, the
    /// decoding thread and the local disk then work at the same time. Only
    /// applied pages move the committed cursor, so a fetched page that is
    /// never applied (a stop, a failure) is simply asked for again next time.
    ///
    /// A 410 `resync_required` (this node was away past the hub's purge
    /// horizon) starts a re-bootstrap: the states the hub holds are listed
    /// and pulled again from the start, unsent changes kept; once the pull
    /// reaches the end, listed states the hub did not send are dropped.
    func pull(into report: inout SyncReport, nodeReport: NodeReport?, shouldStop: @Sendable () -> Bool,
              progress: @Sendable (SyncReport) async -> Void) async throws {
        var resyncing = try replica.isRebootstrapping()
        var upcoming: Staged? = stage(
            download(after: try replica.pullCursor(from: Self.hub), page: 0, report: nodeReport, first: true, resyncing: resyncing),
            page: 0, resyncing: resyncing)
        defer { upcoming?.cancel() }
        var restarted = false
        var reachedEnd = false
        while let current = upcoming, !shouldStop() {
            // The stage is a task of its own (it overlaps the apply), which
            // does not inherit cancellation: pass a cancel on, so a stopping
            // setud aborts the requests instead of waiting on the hub.
            let arrived: Fetched
            do {
                if report.requests == 0 {
                    // The first answer is taken in while its page is prepared.
                    let first = try await withTaskCancellationHandler { try await current.download.value } onCancel: { current.cancel() }
                    try await adoptHub(first, into: &report)
                }
                arrived = try await withTaskCancellationHandler { try await current.task.value } onCancel: { current.cancel() }
            } catch let refusal as HubRefusal where refusal.requiresResync && !restarted {
                restarted = true
                report.rebootstrapKept = try await beginRebootstrap()
                resyncing = true
                upcoming = stage(download(after: nil, page: 0, report: nodeReport, first: true, resyncing: true), page: 0, resyncing: true)
                continue
            }
            let exchange = arrived.exchange
            report.requests += 1
            report.bytesIn += exchange.bytesReceived
            report.bytesOut += exchange.bytesSent
            guard let page = exchange.value, let prepared = arrived.prepared else { reachedEnd = true; break }
            // Until here a failure stops the next page's request with `current`.
            if let following = current.following.task {
                upcoming = stage(following, page: current.page + 1, resyncing: resyncing)
            } else {
                upcoming = nil
                reachedEnd = true
            }
            let applied = try await Self.onTheWriteThread { [replica] in
                try replica.apply(prepared, purged: page.purged, from: Self.hub, cursor: page.cursor, durability: .deferred)
            }
            report.pulledRecords += page.records.count
            report.forgotten += applied.forgotten
            if !page.records.isEmpty || !page.purged.isEmpty { report.pages += 1 }
            await progress(report)
            report.setAside += applied.rejected
            Self.freeing.discard((consume current, consume arrived, consume exchange, consume page, consume prepared))
        }
        if reachedEnd, let dropped = try await Self.onTheWriteThread({ [replica] in try replica.finishRebootstrap(from: Self.hub) }) {
            report.rebootstrapDropped = dropped
            logger.notice("re-bootstrap complete: states the hub purged while this node was away are dropped", metadata: ["setu.dropped": "\(dropped)"])
        }
    }

    /// Lists the states the hub holds for pulling again; returns how many
    /// unsent ones are kept.
    private func beginRebootstrap() async throws -> Int {
        let (listed, kept) = try await Self.onTheWriteThread { [replica] in try replica.beginRebootstrap(from: Self.hub) }
        logger.notice("the hub purged deletions while this node was away past its horizon; pulling everything again, unsent changes kept", metadata: [
            "setu.listed": "\(listed)", "setu.kept": "\(kept)"])
        return kept
    }

    /// Takes in what the first answer of a sync says about this node, before
    /// any record of it is applied: the offices the hub says it serves, and
    /// the hub's clock, which becomes the time reference (a PC clock years
    /// off then neither refuses the hub's records nor stamps refused ones).
    /// Then whatever was set aside and is due is tried again, so nothing set
    /// aside for a reason that passed stays behind the cursors.
    ///
    /// The replica work (a pass over the records when writes must move, a
    /// re-apply of what was set aside) runs off the pool, like a page.
    private func adoptHub<Value>(_ exchange: HubClient.Exchange<Value>, into report: inout SyncReport) async throws {
        let offices = exchange.offices
        let hubKey = exchange.hubKey
        report.nodeKeyMismatch = exchange.nodeKeyMismatch
        report.hubSchema = exchange.hubSchema ?? report.hubSchema
        let offset = exchange.hubDate.flatMap(HTTPDate.parse).map {
            Self.offsetMillis(hubDate: $0, localMillis: replica.options.now(), since: exchange.receivedAt)
        }
        let (officesChanged, correction, retried) = try await Self.onTheWriteThread { [replica] in
            let changed = try offices.map { try replica.setServedOffices($0) } ?? false
            if let hubKey { try replica.setHubSigningKey(hubKey) }
            let correction = try offset.map { try replica.adoptHubClock(offsetMillis: $0) }
            return (changed, correction, try replica.retryDueRejects())
        }
        if officesChanged, let offices {
            logger.notice("the hub lists this node's offices", metadata: ["setu.offices": "\(offices.joined(separator: ", "))"])
        }
        if let offset, let correction {
            report.clockSkewSeconds = Int((Double(offset) / 1000).rounded())
            report.restamped = correction.restamped
            if correction.jumped || correction.restamped > 0 {
                logger.notice("this PC's clock differs from the hub's; stamping by the hub's time", metadata: [
                    "setu.skew_seconds": "\(report.clockSkewSeconds ?? 0)", "setu.restamped": "\(correction.restamped)"])
            }
        }
        report.retried = retried.filter { $0.result == .applied }.count
        if !retried.isEmpty {
            logger.info("set-aside writes tried again", metadata: ["setu.tried": "\(retried.count)", "setu.applied": "\(report.retried)"])
        }
    }

    /// The hub's clock less this PC's wall clock, in milliseconds, from an
    /// answer's `Date` (whole seconds, truncated: the hub's time then lay in
    /// [D, D + 1), taken as D + 0.5) and this PC's clock at the moment the
    /// answer arrived (now, less the time the answer has waited since).
    static func offsetMillis(hubDate: Date, localMillis: UInt64, since received: ContinuousClock.Instant) -> Int64 {
        let waited = ContinuousClock.now - received
        let localAtAnswer = Double(localMillis) / 1000 - Double(waited.components.seconds) - Double(waited.components.attoseconds) / 1e18
        return Int64(((hubDate.timeIntervalSince1970 + 0.5 - localAtAnswer) * 1000).rounded())
    }

    /// Runs setud's replica writes on a thread of their own, at a lower
    /// priority (`BackgroundWorker`): a sync's pages, stamps, feed reads
    /// and acknowledgements, and the control socket's writes (imports,
    /// `put`, bundles). Each can wait for the replica's write lock (up to
    /// the busy timeout, while office software holds it) or write for
    /// long; on one of the event loops that run Swift's tasks, it would
    /// leave setud's control socket (status) waiting behind it.
    public static func onTheWriteThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await writes.run(work)
    }

    private static let writes = BackgroundWorker(name: "setu-writes")
    /// Applied pages are let go of on a thread of their own, also at the
    /// lower priority: a page of 5,000 records is some 200,000 blocks, and
    /// freeing them on the cooperative pool held up the status calls it
    /// answers (status p99 during a 100k bootstrap: 5.5-10.9 ms before,
    /// 3.7-9.7 ms after, six alternating pairs).
    private static let freeing = BackgroundWorker(name: "setu-free")
    /// Pages are decoded on a thread of their own, also at the lower
    /// priority, not on the cooperative pool that answers setud's control
    /// socket.
    private static let decoding = BackgroundWorker(name: "setu-decode")

    /// A fetched page, and its records worked out for the replica
    /// (`Replica.prepare`) on the decoding thread while the page before
    /// is written.
    struct Fetched: Sendable {
        let exchange: HubClient.Exchange<PullResponse?>
        let prepared: PreparedPage?
    }

    /// Asks the hub for one page and decodes it (on the decoding thread).
    /// `page`: how many pages this pull has asked for before (`PageSizer.next(page:)`).
    private func download(after cursor: String?, page: Int, report: NodeReport? = nil, first: Bool = false,
                          resyncing: Bool) -> Task<HubClient.Exchange<PullResponse?>, any Error> {
        let key = first ? nodeKey : nil
        return Task { [client, pageSizer] in
            let size = pageSizer.next(page: page)
            let exchange = try await client.pull(cursor: cursor, limit: size.records, maxBytes: size.bytes, report: report, nodeKey: key,
                                                 appliesPurges: true, resyncing: resyncing, decoding: { try await Self.decoding.run($0) })
            pageSizer.observe(asked: size, records: exchange.value?.records.count ?? 0, bytes: exchange.bodyBytes,
                              seconds: exchange.seconds, hubLimits: exchange.pageLimits)
            return exchange
        }
    }

    /// A page on its way: `task` gives it downloaded and prepared, and
    /// `following` the download of the page after it, started once this
    /// page's cursor was decoded. `cancel` stops both requests, also once
    /// `task` is done and the page was never applied.
    struct Staged: Sendable {
        /// The page's answer as it arrived, before it is prepared.
        let download: Task<HubClient.Exchange<PullResponse?>, any Error>
        let task: Task<Fetched, any Error>
        let following: FollowingDownload
        /// How many pages this pull had asked for before this one.
        let page: Int

        func cancel() {
            task.cancel()
            following.cancel()
        }
    }

    /// Waits for `download`, asks for the page after it at once, then
    /// prepares the downloaded page.
    private func stage(_ download: Task<HubClient.Exchange<PullResponse?>, any Error>, page: Int, resyncing: Bool) -> Staged {
        let following = FollowingDownload()
        return Staged(download: download, task: Task { [replica] in
            try await withTaskCancellationHandler {
                let exchange = try await download.value
                guard let pulled = exchange.value else { return Fetched(exchange: exchange, prepared: nil) }
                if pulled.more {
                    following.start(self.download(after: pulled.cursor, page: page + 1, resyncing: resyncing))
                }
                do {
                    let prepared = try await Self.decoding.run { replica.prepare(pulled.records) }
                    try Task.checkCancellation()
                    return Fetched(exchange: exchange, prepared: prepared)
                } catch {
                    following.cancel()
                    throw error
                }
            } onCancel: {
                download.cancel()
                following.cancel()
            }
        }, following: following, page: page)
    }

    func push(into report: inout SyncReport, shouldStop: @Sendable () -> Bool, progress: @Sendable (SyncReport) async -> Void) async throws {
        var setAsideKeys = Set<String>()
        while !shouldStop() {
            let from = try replica.pushCursor(to: Self.hub)
            let pulled = try replica.pullCursor(from: Self.hub)
            // No cursor yet is the feed's start. While re-bootstrapping, every
            // state must come from the hub again: its cursor is not offered.
            let offered = try replica.isRebootstrapping() ? nil : pulled ?? "0"
            var movedPull: String?
            let page = try await Self.onTheWriteThread { [replica, pageRecords] in try replica.feed(after: from, limit: pageRecords, for: Self.hub) }
            guard page.lastSeq > from else { return }
            let records = page.entries
                .filter { !setAsideKeys.contains("\($0.record.collection)/\($0.record.id)") }
                .map(\.record)
            if !records.isEmpty {
                do {
                    report.requests += 1
                    let exchange = try await client.push(PushRequest(records: records), pullCursor: offered)
                    movedPull = exchange.value.cursor
                    report.bytesIn += exchange.bytesReceived
                    report.bytesOut += exchange.bytesSent
                    report.pushedRecords += records.count
                    report.pages += 1
                    try await Self.onTheWriteThread { [replica] in try replica.clearRefusals(of: records) }
                    await progress(report)
                } catch let refusal as HubRefusal where !refusal.isRetryable && !refusal.body.records.isEmpty {
                    // One bad record must not block the rest: set the named
                    // ones aside with the hub's reason and resend the page.
                    try await Self.onTheWriteThread { [replica] in
                        for problem in refusal.body.records {
                            try replica.noteRefused(problem.collection, id: problem.id, by: Self.hub.rawValue, reason: problem.reason)
                        }
                    }
                    for problem in refusal.body.records {
                        setAsideKeys.insert("\(problem.collection)/\(problem.id)")
                        report.setAside.append(problem)
                    }
                    logger.warning("hub refused records; set aside", metadata: ["setu.count": "\(refusal.body.records.count)", "setu.code": "\(refusal.body.code)"])
                    continue
                }
            }
            let acknowledged = movedPull.map { (from: pulled, to: $0) }
            try await Self.onTheWriteThread { [replica] in try replica.acknowledgePush(to: Self.hub, upTo: page.lastSeq, pullCursor: acknowledged) }
        }
    }
}

/// RFC 7231 dates (`Mon, 23 Nov 2026 09:37:10 GMT`), as in the Date header.
enum HTTPDate {
    static func parse(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}

/// The next page's download a stage started, where a cancel of the stage
/// (which may come from another thread, at any moment) can reach it.
final class FollowingDownload: Sendable {
    private let started = Mutex<(task: Task<HubClient.Exchange<PullResponse?>, any Error>?, cancelled: Bool)>((nil, false))

    func start(_ task: Task<HubClient.Exchange<PullResponse?>, any Error>) {
        let cancelled = started.withLock { state in
            state.task = task
            return state.cancelled
        }
        if cancelled { task.cancel() }
    }

    var task: Task<HubClient.Exchange<PullResponse?>, any Error>? { started.withLock { $0.task } }

    func cancel() {
        started.withLock { state in
            state.cancelled = true
            return state.task
        }?.cancel()
    }
}
