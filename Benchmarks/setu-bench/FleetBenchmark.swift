import Foundation
import Logging
import PostgresNIO
import SetuCore
import SetuHub
import SetuProtocol
import SetuTestSupport

/// Issue 13's figures, on SQLite and PostgreSQL, at national scale: 5,000
/// nodes registered from a CSV file by the real `setu-hub node add --from`,
/// 100k records spread over their offices, a report and a cursor from
/// 4,000 of them (some days old); then the real `setu-hub nodes` and the
/// dashboard's first page from a real `setu-hub serve`; and the cost of an
/// idle poll with its report against the poll as it was before reports
/// (authenticate, compare the head), in the same run.
struct FleetBenchmark {
    let records: Int
    let nodes = 5_000

    func run() async throws {
        let dir = MachineInfo.scratchDirectory()
        defer { MachineInfo.removeScratch(dir) }
        let path = "\(dir)/hub.sqlite"
        let hub = try HubProcess(sqlitePath: path)
        defer { hub.stop() }
        try await hub.waitUntilServing()
        try await measure(hub, storage: try SQLiteHubStorage(path: path), name: "SQLite", dir: dir)
        if let base = ProcessInfo.processInfo.environment["SETU_TEST_POSTGRES_URL"] {
            try await BenchDatabase.with(base: base, prefix: "setu_bench_fleet") { client, url in
                let storage = PostgresHubStorage(client: client, logger: Logger(label: "setu-bench"))
                try await storage.migrate()
                let pg = try HubProcess(postgresURL: url)
                defer { pg.stop() }
                try await pg.waitUntilServing()
                try await measure(pg, storage: storage, name: "PostgreSQL", dir: dir)
            }
        } else {
            print("fleet on PostgreSQL: skipped (run through scripts/with-postgres to include it)")
        }
    }

    func measure(_ hub: HubProcess, storage: any HubStorage, name: String, dir: String) async throws {
        // Registration, as an operator does it: one CSV file.
        var csv = "id,offices,name\n"
        for n in 0..<nodes { csv += "uz-\(n),upazila:d\(n % 64)-u\(n),উপজেলা আইসিটি অফিস \(n)\n" }
        let file = "\(dir)/nodes-\(name).csv"
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let tokensFile = "\(dir)/tokens-\(name)"
        var added: (status: Int32, output: String, error: String) = (0, "", "")
        let adding = try await timed { added = try await hub.command(["node", "add", "--from", file, "--tokens", tokensFile]) }
        guard added.status == 0 else { throw SupportError("node add --from failed: \(added.error)") }
        print(String(format: "fleet %@: setu-hub node add --from, %d nodes: %.2f s (goal: well under a minute)", name, nodes, adding))

        // 100k records in their offices, pushed through the sync rules.
        let service = SyncService(storage: storage, limits: SyncLimits(), metrics: HubMetrics(), now: ReplicaClock.now)
        let fleet = try await storage.nodes()
        let byID = Dictionary(uniqueKeysWithValues: fleet.map { ($0.id.rawValue, $0) })
        for start in stride(from: 0, to: records, by: 500) {
            let pusher = byID["uz-\((start / 500) % nodes)"]!
            _ = try await service.push(HubBenchmark.batch(start..<min(start + 500, records), node: pusher), from: pusher, logger: .init(label: "seed"))
        }
        // 4,000 nodes have reported: most now, some 3 and 10 days ago, a few
        // with errors; cursors spread so lags are counted, not zero.
        let now = Int64(ReplicaClock.now())
        let activity = (0..<4_000).map { n -> NodeActivity in
            let ago: Int64 = n % 10 == 0 ? 10 * 86_400_000 : n % 7 == 0 ? 3 * 86_400_000 : Int64(n % 600) * 1_000
            let report = NodeReport(version: SetuVersion.current, pending: n % 13, oldestUnsentSeconds: n % 13 == 0 ? nil : n, conflicts: n % 17 == 0 ? 1 : 0,
                                    setAside: n % 101 == 0 ? 2 : 0, clockSkewSeconds: n % 53 == 0 ? 90_000_000 : 1,
                                    lastError: n % 97 == 0 ? "local writes fail: the disk holding the replica is full" : nil)
            return NodeActivity.pull(NodeID(rawValue: "uz-\(n)")!, at: now - ago, cursor: Int64(n * 7 % max(1, records)), report: report)
        }
        try await storage.recordActivity(activity)

        // The command, three times: the first right after the writes above
        // (PostgreSQL's statistics of them may not be gathered yet).
        var listings: [Double] = []
        for _ in 0..<3 {
            var table: (status: Int32, output: String, error: String) = (0, "", "")
            listings.append(try await timed { table = try await hub.command(["nodes"]) })
            guard table.status == 0 else { throw SupportError("setu-hub nodes failed: \(table.error)") }
        }
        let inProcess = try await timed { _ = FleetQuery().apply(to: try await storage.fleet(lag: true), nowMillis: now) }
        print(String(format: "fleet %@: setu-hub nodes, %d nodes, %d records: %.2f s, then %.2f s and %.2f s (the query and the lags in-process: %.2f s) (goal < 1 s)",
                     name, nodes, records, listings[0], listings[1], listings[2], inProcess))

        // The dashboard's first page, signed in, from the real hub.
        let admin = try await hub.command(["admin", "add", "bench-\(name.lowercased())"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        var firstPage: (status: Int32, output: String, error: String) = (0, "", "")
        var best = Double.infinity
        for _ in 0..<3 {
            firstPage = try await runProgram(URL(fileURLWithPath: "/usr/bin/curl"), [
                "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_download}", "-b", "setu_admin=\(admin)",
                "http://127.0.0.1:\(hub.port)/admin",
            ])
            let parts = firstPage.output.split(separator: " ")
            guard parts.first == "200" else { throw SupportError("the dashboard answered \(firstPage.output) \(firstPage.error)") }
            best = min(best, Double(parts[1]) ?? .infinity)
        }
        let bytes = firstPage.output.split(separator: " ").last ?? "?"
        print(String(format: "fleet %@: dashboard first page (/admin, %@ bytes of HTML): %.3f s, best of 3 (goal < 1 s)", name, String(bytes), best))

        // An idle poll: before reports (authenticate, compare the head) and
        // now (the same, plus parsing the report and noting the activity).
        let tokens = try String(contentsOfFile: tokensFile, encoding: .utf8).split(separator: "\n").prefix(1_000).map { line in
            String(line.split(separator: ",", maxSplits: 1)[1])
        }
        let logger = Logger(label: "setu-bench")
        var heads: [NodeID: Int64] = [:]
        for token in tokens {
            let node = try await service.authenticate(authorization: "Bearer \(token)", logger: logger)
            heads[node.id] = try await storage.head(offices: node.offices)
        }
        let header = NodeReport(version: SetuVersion.current, pending: 3, oldestUnsentSeconds: 120, conflicts: 0, setAside: 0, clockSkewSeconds: -1).headerValue
        let polls = 5_000
        // What reports add to a poll, on their own: parsing the header and
        // noting the activity (100k of each).
        do {
            let n = 100_000
            let parse = try await timed { for _ in 0..<n { _ = try NodeReport(headerValue: header) } }
            let noting = await timed { for i in 0..<n { service.recorder.note(.pull(NodeID(rawValue: "uz-\(i % 1000)")!, at: Int64(i), cursor: 0, report: nil)) } }
            print(String(format: "fleet %@: per poll, parsing the report %.1f µs and noting the activity %.1f µs", name,
                         parse / Double(n) * 1e6, noting / Double(n) * 1e6))
        }
        // Interleaved, poll by poll, so all three meet the same disk and
        // cache: the floor (token check and head query alone), a pull as an
        // older office sends it (no report; its activity still noted), and a
        // pull with a report. The median of each.
        let recorder = Task { try await service.recorder.run() }
        var times: [[Double]] = [[], [], []]
        for i in 0..<(3 * polls) {
            let token = "Bearer \(tokens[(i / 3) % tokens.count])"
            let kind = i % 3
            let start = DispatchTime.now().uptimeNanoseconds
            let node = try await service.authenticate(authorization: token, logger: logger)
            if kind == 0 {
                guard try await storage.head(offices: node.offices) <= heads[node.id]! else { throw HubStorageError("not idle") }
            } else {
                guard try await service.pull(for: node, cursor: String(heads[node.id]!), limit: nil, maxBytes: nil, report: kind == 2 ? header : nil) == nil else {
                    throw HubStorageError("not idle")
                }
            }
            times[kind].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
        }
        recorder.cancel()
        await service.recorder.flush()
        let median = times.map { $0.sorted()[$0.count / 2] }
        print(String(format: "fleet %@: idle poll over 1,000 tokens, median: %.0f µs with a report, %.0f µs without (%+.1f%%); floor (token check and head query alone) %.0f µs",
                     name, median[2], median[1], (median[2] / median[1] - 1) * 100, median[0]))
    }
}
