import Foundation
import GRDB
import Logging
import PostgresNIO
import SetuCore
import SetuHub
import SetuProtocol
import SetuTestSupport

/// Issue 3's figures, on SQLite and on PostgreSQL: ingest (batches of 500,
/// as JSON bytes through parse, checks, merge and storage), feed pull
/// (JSON out), idle polls spread over 1,000 node tokens. In-process: the
/// HTTP socket layer is not included.
struct HubBenchmark {
    let records: Int
    let batchSize = 500
    let nodes = 1_000

    func run() async throws {
        let dir = MachineInfo.scratchDirectory()
        defer { MachineInfo.removeScratch(dir) }
        // Absolute figures on this VM drift by 2x between days: each is
        // printed beside a baseline of the same rows measured in this run.
        try printRawInsertBaseline(path: "\(dir)/raw.sqlite")
        let sqlite = try SQLiteHubStorage(path: "\(dir)/hub.sqlite")
        try await sqlite.migrate()
        try await measure(sqlite, name: "SQLite")
        try printPlainScanBaseline(path: "\(dir)/hub.sqlite")
        if let url = ProcessInfo.processInfo.environment["SETU_TEST_POSTGRES_URL"] {
            let logger = Logger(label: "setu-bench")
            let client = try PostgresHubStorage.makeClient(url: url, logger: logger)
            // Unstructured, and waited for with a bound (see taskEnded).
            let clientRun = Task { await client.run() }
            let storage = PostgresHubStorage(client: client, logger: logger)
            try await storage.migrate()
            // As `setu-hub serve` runs it: idle polls from memory while notified.
            let listener = Task { try await storage.changeListener.run() }
            guard await waitUntil(seconds: 30, { storage.changeListener.isListening }) else {
                throw HubStorageError("the PostgreSQL change listener did not start")
            }
            try await measure(storage, name: "PostgreSQL")
            listener.cancel()
            _ = await listener.result
            clientRun.cancel()
            _ = await taskEnded(clientRun, within: .seconds(10))
        } else {
            print("hub on PostgreSQL: skipped (run through scripts/with-postgres to include it)")
        }
    }

    func measure(_ storage: any HubStorage, name: String) async throws {
        let service = SyncService(storage: storage, limits: SyncLimits(), metrics: HubMetrics(), now: ReplicaClock.now)
        let logger = Logger(label: "setu-bench")
        // 1,000 nodes, 50 offices: 20 nodes per office.
        var tokens: [(HubNode, String)] = []
        for n in 0..<nodes {
            let id = NodeID(rawValue: "office-\(n)")!
            let (token, hash) = NodeToken.generate(for: id)
            let node = HubNode(id: id, offices: ["upazila:o\(n % 50)"], createdAtMillis: 0, revoked: false)
            try await storage.addNode(node, tokenHash: hash)
            tokens.append((node, token))
        }
        var ingest = 0.0
        for start in stride(from: 0, to: records, by: batchSize) {
            let pusher = tokens[(start / batchSize) % 50]
            let body = JSONWriter.write(Self.batch(start..<min(start + batchSize, records), node: pusher.0).json)
            ingest += try await timed {
                let request = try PushRequest(json: JSONParser.parse(body))
                _ = try await service.push(request, from: pusher.0, logger: logger)
            }
        }
        print("hub \(name): ingest (batches of \(batchSize)): \(rate(records, ingest))")

        // A node of office o0 pulling what it can see, then one serving all
        // 50 offices pulling the whole feed (issue 18: a 100k pull), pages of 500.
        try await measurePull(service, for: tokens[50].0, name: name, label: "one office")
        let district = HubNode(id: NodeID(rawValue: "district-reader")!, offices: (0..<50).map { "upazila:o\($0)" },
                               createdAtMillis: 0, revoked: false)
        try await storage.addNode(district, tokenHash: NodeToken.generate(for: district.id).1)
        try await measurePull(service, for: district, name: name, label: "all 50 offices")

        // Idle polls: authenticate a token, find nothing new past the head.
        var heads: [NodeID: String] = [:]
        for (node, _) in tokens.prefix(nodes) {
            heads[node.id] = String(try await storage.head(offices: node.offices))
        }
        let polls = 5_000
        let idle = try await timed {
            for i in 0..<polls {
                let (_, token) = tokens[i % tokens.count]
                let node = try await service.authenticate(authorization: "Bearer \(token)", logger: logger)
                guard try await service.pull(for: node, cursor: heads[node.id], limit: nil, maxBytes: nil) == nil else {
                    throw HubStorageError("an idle poll found changes")
                }
            }
        }
        print("hub \(name): idle polls over \(nodes) tokens: \(rate(polls, idle))")
        print("peak RSS so far: \(MachineInfo.peakRSSMegabytes()) MB")
    }

    /// Ingest's baseline: the same rows inserted into a plain SQLite table
    /// (synchronous=FULL, one transaction per batch), merge and checks aside.
    func printRawInsertBaseline(path: String) throws {
        let raw = try RawInsertBaseline(path: path, durable: true)
        let node = HubNode(id: NodeID(rawValue: "office-0")!, offices: ["upazila:o0"], createdAtMillis: 0, revoked: false)
        var seconds = 0.0
        // Chunks of 20 batches: RawInsertBaseline checkpoints after each call.
        for chunk in stride(from: 0, to: records, by: batchSize * 20) {
            let pages = stride(from: chunk, to: min(chunk + batchSize * 20, records), by: batchSize).map {
                Self.batch($0..<min($0 + batchSize, records), node: node).records
            }
            seconds += try raw.insert(pages)
        }
        print("baseline: raw SQLite insert of the same rows into a plain table, \(batchSize) per transaction: \(rate(records, seconds))")
    }

    /// The pulls' baseline: the stored states read in feed order from the
    /// SQLite hub's file by a plain query, with the CPU time it took.
    func printPlainScanBaseline(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let file = try DatabaseQueue(path: path, configuration: configuration)
        let cpuBefore = MachineInfo.cpuSeconds()
        let (rows, bytes) = try file.read { db in
            var rows = 0, bytes = 0
            let states = try Row.fetchCursor(db, sql: "SELECT state FROM hub_records ORDER BY seq")
            while let row = try states.next() {
                let state: Data = row[0]
                rows += 1
                bytes += state.count
            }
            return (rows, bytes)
        }
        let cpu = MachineInfo.cpuSeconds() - cpuBefore
        print(String(format: "baseline: a plain SQLite scan of the same %d stored states (%.1f MB) in feed order: %.4f ms CPU per record",
                     rows, Double(bytes) / 1e6, cpu * 1000 / Double(max(rows, 1))))
    }

    /// Serves `reader` everything it can see, pages of 500, as the router
    /// would (bytes written, not sent), with the process's CPU time for it:
    /// as JSON, then as states pages (what setud asks for), in this run.
    static func describe(_ format: PullPageFormat) -> String {
        switch format {
        case .json: "JSON"
        case .states(.v1): "states page in format 1, for older offices"
        case .states: "states page"
        }
    }

    func measurePull(_ service: SyncService, for reader: HubNode, name: String, label: String) async throws {
        for format in [PullPageFormat.json, .states(.current), .states(.v1)] {
            var pulled = 0, bytes = 0
            let cpuBefore = MachineInfo.cpuSeconds()
            let pull = try await timed {
                var cursor = ""
                while let page = try await service.servePull(for: reader, cursor: cursor, limit: "500", maxBytes: "4194304", format: format) {
                    pulled += page.records
                    bytes += page.body.count
                    cursor = page.cursor
                    if !page.more { break }
                }
            }
            let cpu = MachineInfo.cpuSeconds() - cpuBefore
            print("hub \(name): feed pull, \(label) (pages of 500, \(Self.describe(format)) bodies written, "
                  + String(format: "%.1f MB): ", Double(bytes) / 1e6) + "\(rate(pulled, pull)); "
                  + String(format: "%.4f ms CPU per record (goal ≤ 0.02 ms, gzip and HTTP not included)", cpu * 1000 / Double(max(pulled, 1))))
        }
    }

    static func batch(_ range: Range<Int>, node: HubNode) -> PushRequest {
        let now = ReplicaClock.now()
        return PushRequest(records: range.map { i in
            var state = RecordState()
            let values = try! Collections.services.validate(StoreBenchmark.service(i).merging(["office": .text(node.offices[0])]) { $1 }, mode: .whole).values
            state.write(values, dot: Dot(node: node.id, time: HLCTimestamp(physicalMillis: now, logical: UInt64(i % 60_000))))
            return ReplicatedRecord(collection: "services", id: "r\(i)", state: state)
        })
    }
}

enum ReplicaClock {
    static let now: @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }
}

func timed(_ body: () async throws -> Void) async rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
