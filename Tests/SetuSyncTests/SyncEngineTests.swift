import Foundation
import Logging
import SetuCore
import SetuProtocol
import SetuStore
import SetuSync
import SetuTestSupport
import SetuTransport
import Synchronization
import Testing

@Suite struct SyncEngineTests {
    final class Office {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-sync-\(UUID().uuidString)")
        let replica: Replica
        let engine: SyncEngine

        init(_ node: NodeID, hub: HubProcess, offices: [String], pageRecords: Int = 500, growPages: Bool = false,
             transport: (CurlTransport) -> any HubTransport = { $0 }) throws {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            replica = try Replica(path: dir.appendingPathComponent("replica.sqlite").path, node: node)
            var options = CurlOptions(baseURL: "http://127.0.0.1:\(hub.port)")
            options.totalTimeoutSeconds = 30
            let client = HubClient(transport: transport(CurlTransport(options: options)), token: try hub.addNode(node.rawValue, offices: offices))
            // A debug hub under the parallel suite may take a while per page:
            // a target of a minute keeps every page here "fast".
            engine = SyncEngine(replica: replica, client: client, pageRecords: pageRecords, growPages: growPages, pageTargetSeconds: 60,
                                logger: Logger(label: "test"))
        }

        deinit { try? FileManager.default.removeItem(at: dir) }
    }

    static func service(_ office: String, _ serial: Int64, _ name: String) -> [String: FieldValue] {
        ["office": .text(office), "section": .text("citizen"), "serial": .int(serial), "name": .text(name)]
    }

    @Test func twoOfficesConvergeThroughARealHub() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let a = try Office("office-a", hub: hub, offices: ["upazila:rupsha"])
        let b = try Office("office-b", hub: hub, offices: ["upazila:rupsha"])
        // An Office removes its directory when it goes: keep it to the end,
        // as ARC may end it at its last use while its engine still syncs.
        defer { withExtendedLifetime((a, b)) {} }
        for i in 1...40 { try a.replica.put("services", id: "s\(i)", Self.service("upazila:rupsha", Int64(i), "সেবা \(i)")) }
        let first = try await a.engine.syncOnce()
        #expect(first.pushedRecords == 40)
        #expect(first.clockSkewSeconds.map { abs($0) <= 2 } == true)
        _ = try await b.engine.syncOnce()
        try a.replica.patch("services", id: "s1", ["name": .text("ক")])
        try b.replica.patch("services", id: "s1", ["name": .text("খ")])
        try b.replica.delete("services", id: "s2")
        _ = try await a.engine.syncOnce()
        _ = try await b.engine.syncOnce()
        _ = try await a.engine.syncOnce()
        #expect(try a.replica.canonicalDump() == b.replica.canonicalDump())
        #expect(try a.replica.conflicts().map(\.field) == ["name"])
        #expect(try a.replica.pendingPushCount(to: SyncEngine.hub) == 0)
    }

    /// On loopback every page arrives at once, so pages grow up to what the
    /// hub serves: 3,000 records come in pages of 500, 1,000 and the rest,
    /// not in six. A hub that serves no more than 500 keeps them at
    /// 500, and a later catch-up goes on at the size the bootstrap reached.
    @Test func aFastLinkGrowsPullPagesUpToWhatTheHubServes() async throws {
        for (hubLimits, expectedPages) in [("", [500, 1_000, 1_500]), ("max_pull_records = 500", Array(repeating: 500, count: 6))] {
            let hub = try HubProcess(limits: hubLimits)
            defer { hub.stop() }
            try await hub.waitUntilServing()
            let a = try Office("office-a", hub: hub, offices: ["upazila:rupsha"])
            let b = try Office("office-b", hub: hub, offices: ["upazila:rupsha"], pageRecords: 500, growPages: true)
            defer { withExtendedLifetime((a, b)) {} }
            try a.replica.batch { batch in
                for i in 1...3_000 { try batch.put("services", id: "s\(i)", Self.service("upazila:rupsha", Int64(i), "সেবা \(i)")) }
            }
            _ = try await a.engine.syncOnce()
            let (report, pages) = try await Self.syncCountingPages(b.engine)
            #expect(report.pulledRecords == 3_000)
            #expect(pages == expectedPages, "hub limits: \(hubLimits)")
            #expect(try b.replica.canonicalDump() == a.replica.canonicalDump())
            if hubLimits.isEmpty {
                // The bootstrap ended on a short page: the size it reached stays.
                #expect(b.engine.pageSizer.current.records == 2_000)
                try a.replica.batch { batch in
                    for i in 1...1_500 { try batch.patch("services", id: "s\(i)", ["name": .text("সেবা \(i) (নতুন)")]) }
                }
                _ = try await a.engine.syncOnce()
                let (catchUp, catchUpPages) = try await Self.syncCountingPages(b.engine)
                #expect(catchUp.pulledRecords == 1_500)
                // The first page of a sync is the configured one, so the
                // next is fetched while it is applied.
                #expect(catchUpPages == [500, 1_000])
                #expect(catchUp.requests == 2, "\(catchUp)")
            }
        }
    }

    /// One sync, and the records each pull page brought.
    static func syncCountingPages(_ engine: SyncEngine) async throws -> (SyncReport, [Int]) {
        let totals = Mutex<[Int]>([])
        let report = try await engine.syncOnce(progress: { report in totals.withLock { $0.append(report.pulledRecords) } })
        let seen = totals.withLock { $0 }
        return (report, zip(seen, [0] + seen).map { $0 - $1 }.filter { $0 > 0 })
    }

    @Test func anIdleSyncCostsAtMostTwoRequestsAndTwoKilobytes() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let a = try Office("office-a", hub: hub, offices: ["upazila:rupsha"])
        // An Office removes its directory when it goes: keep it to the end,
        // as ARC may end it at its last use while its engine still syncs.
        defer { withExtendedLifetime(a) {} }
        try a.replica.put("services", id: "s1", Self.service("upazila:rupsha", 1, "সেবা"))
        _ = try await a.engine.syncOnce()
        // With the office's report, at its largest (an error cut to its limit).
        let report = NodeReport(version: SetuVersion.current, pending: 999_999, oldestUnsentSeconds: 9_999_999, conflicts: 99_999,
                                setAside: 99_999, oversold: 99_999, clockSkewSeconds: -999_999_999, lastError: String(repeating: "ডিস্ক পূর্ণ ", count: 40))
        for _ in 0..<2 {
            let idle = try await a.engine.syncOnce(nodeReport: report)
            #expect(idle.pages == 0)
            #expect(idle.requests <= 2)
            #expect(idle.bytesIn + idle.bytesOut <= 2_048, "\(idle.bytesIn) in, \(idle.bytesOut) out")
        }
    }

    @Test func aRecordTheHubRefusesIsSetAsideAndTheRestFlows() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let a = try Office("office-a", hub: hub, offices: ["upazila:rupsha"])
        // An Office removes its directory when it goes: keep it to the end,
        // as ARC may end it at its last use while its engine still syncs.
        defer { withExtendedLifetime(a) {} }
        try a.replica.put("services", id: "mine", Self.service("upazila:rupsha", 1, "আমার"))
        try a.replica.put("services", id: "theirs", Self.service("district:khulna", 2, "অন্যের"))
        let report = try await a.engine.syncOnce()
        #expect(report.setAside.map(\.id) == ["theirs"])
        #expect(report.pushedRecords == 1)
        #expect(try a.replica.rejections().map(\.id) == ["theirs"])
        #expect(try a.replica.pendingPushCount(to: SyncEngine.hub) == 0)
    }

    @Test func anInterruptedPullResumesFromTheCommittedCursor() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let a = try Office("office-a", hub: hub, offices: ["upazila:rupsha"])
        let b = try Office("office-b", hub: hub, offices: ["upazila:rupsha"], pageRecords: 10)
        // An Office removes its directory when it goes: keep it to the end,
        // as ARC may end it at its last use while its engine still syncs.
        defer { withExtendedLifetime((a, b)) {} }
        for i in 1...35 { try a.replica.put("services", id: "s\(i)", Self.service("upazila:rupsha", Int64(i), "সেবা \(i)")) }
        _ = try await a.engine.syncOnce()
        let pages = PageCounter()
        let partial = try await b.engine.syncOnce(shouldStop: { pages.next() > 2 })
        #expect(partial.pulledRecords == 20)
        let rest = try await b.engine.syncOnce()
        #expect(rest.pulledRecords == 15, "nothing pulled twice")
        #expect(try b.replica.recordCount() == 35)
    }

    /// A pull asks for the page after next while the next is prepared and
    /// the current one written. A sync that stops keeps no request running:
    /// here the hub never answers from the fourth pull on, and the stop
    /// comes after two pages, when the third is prepared and the fourth
    /// already asked for.
    @Test func aStoppedPullLeavesNoRequestRunning() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let a = try Office("office-a", hub: hub, offices: ["upazila:rupsha"])
        let stalling = StallingTransport(stallingFromPull: 4)
        let b = try Office("office-b", hub: hub, offices: ["upazila:rupsha"], pageRecords: 10, transport: { stalling.wrapping($0) })
        defer { withExtendedLifetime((a, b)) {} }
        for i in 1...50 { try a.replica.put("services", id: "s\(i)", Self.service("upazila:rupsha", Int64(i), "সেবা \(i)")) }
        _ = try await a.engine.syncOnce()

        let pages = PageCounter()
        let partial = try await b.engine.syncOnce(shouldStop: { pages.next() > 2 })
        #expect(partial.pulledRecords == 20)
        #expect(await waitUntil(seconds: 30) { stalling.pullsAsked >= 4 }, "the fourth page was asked for while the third was prepared")
        #expect(await waitUntil(seconds: 30) { stalling.running == 0 }, "the stop cancelled it: \(stalling.running) request(s) still running")
        #expect(try b.replica.recordCount() == 20)
    }

    @Test func backoffGrowsIsCappedAndJittersInTheUpperHalf() {
        let backoff = Backoff(baseSeconds: 5, maxSeconds: 900)
        #expect(backoff.delay(afterFailures: 0, jitter: 0.7) == 0)
        #expect(backoff.delay(afterFailures: 1, jitter: 1) == 5)
        #expect(backoff.delay(afterFailures: 1, jitter: 0) == 2.5)
        #expect(backoff.delay(afterFailures: 4, jitter: 1) == 40)
        #expect(backoff.delay(afterFailures: 60, jitter: 1) == 900)
        var previous = 0.0
        for failures in 1...20 {
            let d = backoff.delay(afterFailures: failures, jitter: 1)
            #expect(d >= previous)
            previous = d
        }
    }
}

/// A transport whose pulls from the `stallingFromPull`-th on never get an
/// answer (until cancelled), and which counts the requests still running.
final class StallingTransport: Sendable {
    private let state = Mutex<(pulls: Int, running: Int)>((0, 0))
    private let stallingFromPull: Int

    init(stallingFromPull: Int) { self.stallingFromPull = stallingFromPull }

    var pullsAsked: Int { state.withLock { $0.pulls } }
    var running: Int { state.withLock { $0.running } }

    func wrapping(_ inner: CurlTransport) -> any HubTransport { Wrapped(inner: inner, counts: self) }

    private struct Wrapped: HubTransport {
        let inner: CurlTransport
        let counts: StallingTransport

        func send(_ request: TransportRequest) async throws -> TransportResponse {
            let pull = request.method == "GET" && request.path.hasPrefix("/v1/pull")
            let number = counts.state.withLock { state in
                state.running += 1
                if pull { state.pulls += 1 }
                return state.pulls
            }
            defer { counts.state.withLock { $0.running -= 1 } }
            if pull && number >= counts.stallingFromPull { try await Task.sleep(for: .seconds(600)) }
            return try await inner.send(request)
        }
    }
}

final class PageCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.withLock { n += 1; return n } }
}

@Suite struct RetryAfterTests {
    @Test func aHubsRetryAfterIsNeverCutShortAndIsJittered() {
        let backoff = Backoff(baseSeconds: 5, maxSeconds: 900)
        #expect(backoff.delay(afterFailures: 1, jitter: 0, retryAfter: 30) == 30)
        #expect(backoff.delay(afterFailures: 1, jitter: 1, retryAfter: 30) == 37.5)
        // The longer of the two waits.
        #expect(backoff.delay(afterFailures: 10, jitter: 1, retryAfter: 30) == 900)
        #expect(backoff.delay(afterFailures: 1, jitter: 1, retryAfter: nil) == 5)
        #expect(backoff.delay(afterFailures: 1, jitter: 1, retryAfter: 0) == 5)
    }
}
