import CCurl
import Foundation
import Logging
import PostgresNIO
import SetuCore
import SetuHub
import SetuProtocol
import SetuTestSupport
import SetuTransport

/// Issue 18's hub capacity, over HTTP: a real `setu-hub` (SQLite; then two
/// over one PostgreSQL database, when the bench runs through
/// scripts/with-postgres) with
/// 5,000 registered offices, each its own office code, driven open-loop at
/// multiples of the fleet's load (5,000 offices polling once a minute with
/// 5 % pushing: 83 requests/s). Each request is on a connection of its own,
/// as offices a minute apart would be.
///
/// Open-loop: request i is due at `i / rate` seconds, sent or not. Latency is
/// counted from when it was due, so a generator (or hub) that falls behind
/// shows it, instead of quietly sending less. The load runs on the same two
/// cores as the hub; the baseline is `GET /v1/health` (HTTP, no database)
/// at the same rate, in the same run.
struct LoadBenchmark {
    let offices = 5_000
    let secondsPerLevel = 10.0
    let levels = [1.0, 5.0, 20.0, 40.0]
    let fleetRate = 5_000.0 / 60 * 1.0
    /// Transfers in flight at most; past it a due request counts as not sent.
    let maxInFlight = 1_024

    func run() async throws {
        let dir = MachineInfo.scratchDirectory()
        defer { MachineInfo.removeScratch(dir) }
        let hubPath = "\(dir)/hub.sqlite"
        let tokens = try await Self.register(offices, inFile: hubPath)
        let hub = try HubProcess(sqlitePath: hubPath)
        defer { hub.stop() }
        try await hub.waitUntilServing()
        try await measure(bases: ["http://127.0.0.1:\(hub.port)"], tokens: tokens, name: "SQLite, one setu-hub")
        hub.stop()
        print("  goal: 20x with p99 < 200 ms on SQLite; past capacity 503 with Retry-After, not seconds of latency")
        if let base = ProcessInfo.processInfo.environment["SETU_TEST_POSTGRES_URL"] {
            try await measureTwoPostgresHubs(base: base)
        } else {
            print("hub load on PostgreSQL: skipped (run through scripts/with-postgres to include it)")
        }
    }

    /// The same load spread over two `setu-hub` processes on one PostgreSQL
    /// database (requests alternate between them), as a load balancer would.
    func measureTwoPostgresHubs(base: String) async throws {
        try await BenchDatabase.with(base: base, prefix: "setu_bench_load") { client, url in
            let storage = PostgresHubStorage(client: client, logger: Logger(label: "setu-bench"))
            try await storage.migrate()
            let tokens = try await Self.register(offices, in: storage)
            let hubs = [try HubProcess(postgresURL: url), try HubProcess(postgresURL: url)]
            defer { for hub in hubs { hub.stop() } }
            for hub in hubs { try await hub.waitUntilServing() }
            try await measure(bases: hubs.map { "http://127.0.0.1:\($0.port)" }, tokens: tokens, name: "PostgreSQL, two setu-hub processes")
        }
    }

    func measure(bases: [String], tokens: [String], name: String) async throws {
        print("hub load over HTTP (\(name)): \(offices) offices, 95 % idle polls and 5 % one-record pushes, one connection per request, \(Int(secondsPerLevel)) s per level")
        for level in levels {
            let rate = fleetRate * level
            let health = Driver(bases: bases, maxInFlight: maxInFlight).run(rate: rate, seconds: secondsPerLevel) { _ in .health }
            var pushes = 0
            let load = Driver(bases: bases, maxInFlight: maxInFlight).run(rate: rate, seconds: secondsPerLevel) { i in
                let office = i % tokens.count
                // Offices caught up: a cursor at (past) the head of their feed.
                guard i % 20 == 19 else { return .poll(token: tokens[office], cursor: "1000000000") }
                pushes += 1
                return .push(token: tokens[office], body: Self.pushBody(office: office, serial: pushes))
            }
            print(String(format: "  %4.0fx (%5.0f requests/s): sync %@; baseline GET /v1/health: %@", level, rate, load.summary, health.summary))
        }
    }

    /// Registers `count` offices straight in the hub's storage (as `setu-hub
    /// node add` would, without 5,000 processes); returns their tokens.
    /// In a file the hub then opens: the storage is closed before it is, so
    /// the hub is the only process with the file open (as in the field).
    static func register(_ count: Int, inFile path: String) async throws -> [String] {
        let storage = try SQLiteHubStorage(path: path)
        try await storage.migrate()
        return try await register(count, in: storage)
    }

    static func register(_ count: Int, in storage: any HubStorage) async throws -> [String] {
        var tokens: [String] = []
        var nodes: [(node: HubNode, tokenHash: [UInt8])] = []
        for i in 0..<count {
            let node = HubNode(id: NodeID(rawValue: "office-\(i)")!, offices: ["upazila:o\(i)"], createdAtMillis: 0, revoked: false)
            let (token, hash) = NodeToken.generate(for: node.id)
            tokens.append(token)
            nodes.append((node, hash))
        }
        try await storage.addNodes(nodes)
        return tokens
    }

    static func pushBody(office: Int, serial: Int) -> [UInt8] {
        let node = HubNode(id: NodeID(rawValue: "office-\(office)")!, offices: ["upazila:o\(office)"], createdAtMillis: 0, revoked: false)
        var request = HubBenchmark.batch(serial..<(serial + 1), node: node)
        request = PushRequest(records: request.records.map { ReplicatedRecord(collection: $0.collection, id: "load-\(office)-\(serial)", state: $0.state) })
        return JSONWriter.write(request.json)
    }

    enum Request {
        case health
        case poll(token: String, cursor: String?)
        case push(token: String, body: [UInt8])
    }

    /// What one level measured.
    struct Outcome {
        var due = 0
        var notSent = 0
        var statuses: [Int: Int] = [:]
        var failures = 0
        var latencies: [Double] = []

        var summary: String {
            let sorted = latencies.sorted()
            func p(_ q: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] * 1000 }
            let codes = statuses.keys.sorted().map { "\($0): \(statuses[$0]!)" }.joined(separator: ", ")
            return String(format: "p50 %.1f ms, p99 %.1f ms, max %.0f ms; ", p(0.5), p(0.99), (sorted.last ?? .nan) * 1000)
                + "\(codes)" + (failures > 0 ? ", \(failures) failed" : "") + (notSent > 0 ? ", \(notSent) of \(due) not sent" : "")
        }
    }

    /// One thread driving many transfers through a libcurl multi handle.
    final class Driver {
        /// Request i goes to `bases[i % bases.count]`.
        let bases: [String]
        let maxInFlight: Int
        private let multi: UnsafeMutableRawPointer
        private var slots: [UnsafeMutableRawPointer: (due: Double, headers: UnsafeMutablePointer<curl_slist>?, body: [CChar]?)] = [:]
        private var free: [UnsafeMutableRawPointer] = []

        init(bases: [String], maxInFlight: Int) {
            self.bases = bases
            self.maxInFlight = maxInFlight
            _ = CurlTransport(options: CurlOptions(baseURL: bases[0])) // curl_global_init, once
            multi = curl_multi_init()!
        }

        deinit {
            for handle in free { curl_easy_cleanup(handle) }
            curl_multi_cleanup(multi)
        }

        func run(rate: Double, seconds: Double, request: (Int) -> Request) -> Outcome {
            var outcome = Outcome()
            let total = Int(rate * seconds)
            let start = Self.now()
            var next = 0
            var running: Int32 = 0
            while next < total || !slots.isEmpty {
                let elapsed = Self.now() - start
                while next < total, Double(next) / rate <= elapsed {
                    outcome.due += 1
                    if slots.count >= maxInFlight { outcome.notSent += 1 } else { add(request(next), to: bases[next % bases.count], due: start + Double(next) / rate) }
                    next += 1
                }
                curl_multi_perform(multi, &running)
                collect(into: &outcome)
                let wait = next < total ? max(0, Double(next) / rate - (Self.now() - start)) : 0.05
                var ready: Int32 = 0
                curl_multi_poll(multi, nil, 0, Int32(min(wait, 0.05) * 1000), &ready)
            }
            return outcome
        }

        private func add(_ request: Request, to base: String, due: Double) {
            let handle = free.popLast() ?? curl_easy_init()!
            var headers: UnsafeMutablePointer<curl_slist>?
            var body: [CChar]?
            let path: String
            switch request {
            case .health: path = "/v1/health"
            case .poll(let token, let cursor):
                path = "/v1/pull?limit=500" + (cursor.map { "&cursor=\($0)" } ?? "")
                headers = curl_slist_append(headers, "Authorization: Bearer \(token)")
            case .push(let token, let bytes):
                path = "/v1/push"
                headers = curl_slist_append(headers, "Authorization: Bearer \(token)")
                headers = curl_slist_append(headers, "Content-Type: application/json")
                body = bytes.map { CChar(bitPattern: $0) }
            }
            headers = curl_slist_append(headers, "Expect:")
            _ = setu_curl_set_string(handle, CURLOPT_URL, base + path)
            _ = setu_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = setu_curl_set_long(handle, CURLOPT_FORBID_REUSE, 1)
            _ = setu_curl_set_long(handle, CURLOPT_TIMEOUT, 30)
            _ = setu_curl_set_slist(handle, CURLOPT_HTTPHEADER, headers)
            _ = setu_curl_set_write_function(handle) { _, size, count, _ in size * count }
            if let body {
                _ = setu_curl_set_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                _ = body.withUnsafeBufferPointer { setu_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress!)) }
            } else {
                _ = setu_curl_set_long(handle, CURLOPT_HTTPGET, 1)
            }
            slots[handle] = (due, headers, body)
            curl_multi_add_handle(multi, handle)
        }

        private func collect(into outcome: inout Outcome) {
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle, let slot = slots.removeValue(forKey: handle) else { continue }
                if message.pointee.data.result == CURLE_OK {
                    var status = 0
                    _ = setu_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
                    outcome.statuses[status, default: 0] += 1
                    outcome.latencies.append(Self.now() - slot.due)
                } else {
                    outcome.failures += 1
                }
                curl_multi_remove_handle(multi, handle)
                curl_slist_free_all(slot.headers)
                curl_easy_reset(handle)
                free.append(handle)
            }
        }

        static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    }
}
