import Foundation
import Logging
import SetuCore
import SetuHub
import SetuProtocol
import SetuTestSupport
import Testing

/// The fleet dashboard in a real browser (headless Chromium), against a real
/// hub process on each backend: sign-in, what each page shows checked
/// against the admin API's answers, Bengali office names as stored, a small
/// laptop screen, and a screenshot for people to look at
/// (`.build/screenshots/`).
@Suite struct DashboardBrowserTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let day: Int64 = 86_400_000

    /// 30 offices in three districts, with their Bengali names.
    static let offices: [(id: String, office: String, name: String)] = {
        let places: [(String, String)] = [
            ("khulna", "খুলনা"), ("jessore", "যশোর"), ("bagerhat", "বাগেরহাট"),
        ]
        let upazilas = ["sadar", "rupsha", "dumuria", "batiaghata", "dacope", "koyra", "paikgachha", "phultala", "terokhada", "digholia"]
        var out: [(String, String, String)] = []
        for (district, bengali) in places {
            for (i, upazila) in upazilas.enumerated() {
                out.append(("\(district)-\(upazila)", "upazila:\(district)-\(upazila)", "\(bengali) উপজেলা আইসিটি অফিস \(i + 1)"))
            }
        }
        return out
    }()

    @Test(arguments: Backend.allCases)
    func theDashboardShowsTheFleetAsTheHubHoldsIt(_ backend: Backend) async throws {
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-dash-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let path = dir.appendingPathComponent("hub.sqlite").path
            let hub = try HubProcess(sqlitePath: path)
            defer { hub.stop() }
            try await hub.waitUntilServing()
            try await Self.check(hub, storage: try SQLiteHubStorage(path: path), backend: backend)
        case .postgres:
            let logger = Logger(label: "setu-dashboard-test")
            try await TestPostgres.withDatabase(logger: logger) { client, url in
                let hub = try HubProcess(postgresURL: url)
                defer { hub.stop() }
                try await hub.waitUntilServing()
                try await Self.check(hub, storage: PostgresHubStorage(client: client, logger: logger), backend: backend)
            }
        }
    }

    static func check(_ hub: HubProcess, storage: any HubStorage, backend: Backend) async throws {
        let admin = try await setUpFleet(hub, storage: storage)
        let browser = try await WebDriver()
        do {
            try await walk(browser, hub: hub, admin: admin, backend: backend)
        } catch {
            await browser.quit()
            throw error
        }
        await browser.quit()
    }

    static func walk(_ browser: WebDriver, hub: HubProcess, admin: String, backend: Backend) async throws {
        let base = "http://127.0.0.1:\(hub.port)"

        // Nothing without signing in; a node token does not sign in.
        for path in ["/admin", "/admin/nodes", "/admin/nodes/khulna-rupsha"] {
            try await browser.open(base + path)
            #expect(try await browser.currentURL() == base + "/admin/login", "\(path)")
        }
        let nodeToken = try await hub.addNode("intruder", offices: ["upazila:rupsha"])
        try await signIn(browser, base: base, token: nodeToken)
        #expect(try await browser.currentURL() == base + "/admin/login")
        #expect(try await browser.text(of: "p.error").contains("not a valid admin token"))

        try await signIn(browser, base: base, token: admin)
        #expect(try await browser.currentURL() == base + "/admin")
        #expect(try await browser.title() == "Fleet · Setu hub")
        #expect(!(try await browser.source()).contains("<script"), "the pages work without JavaScript")

        // The summary, against the hub's own answer.
        let summary = try json(try await hub.request("GET", "/v1/admin/summary", token: admin, body: nil))
        for (card, key) in [("nodes", "nodes"), ("hour", "seen_within_hour"), ("day", "seen_within_day"), ("week", "seen_within_week"),
                            ("never", "never_seen"), ("errors", "reporting_errors"), ("pending", "pending"), ("conflicts", "conflicts"),
                            ("set_aside", "set_aside")] {
            let shown = try await browser.text(of: "[data-card=\"\(card)\"] .n")
            #expect(summary[key] == .int(Int64(shown) ?? -1), "\(card): page \(shown), API \(String(describing: summary[key]))")
        }
        #expect(summary["nodes"] == .int(32) && summary["never_seen"] == .int(27), "\(summary)")

        // The stalest first, as the API lists them, with names as stored.
        let nodes = try nodeList(try await hub.request("GET", "/v1/admin/nodes", token: admin, body: nil))
        let rows = try await browser.elements("tbody tr[data-node]")
        #expect(rows.count == 25)
        var shownIDs: [String] = []
        for row in rows { shownIDs.append(try await browser.attribute(row, "data-node") ?? "") }
        #expect(shownIDs == nodes.prefix(25).map { $0["id"].flatMap(Self.string) ?? "" })
        let first = try #require(shownIDs.first)
        let named = try await browser.text(of: "tr[data-node=\"\(first)\"] td[lang=bn]")
        let stored = try #require(offices.first { $0.id == first }?.name)
        #expect(named.unicodeScalars.elementsEqual(stored.unicodeScalars), "byte-exact: \(named)")

        // By district.
        var districts: [String: String] = [:]
        for row in try await browser.elements("tr[data-district]") {
            districts[try await browser.attribute(row, "data-district") ?? ""] = try await browser.text(row)
        }
        #expect(Set(districts.keys) == ["khulna", "jessore", "bagerhat", "rupsha"], "\(districts)")
        #expect(districts["khulna"]?.hasPrefix("khulna 10 ") == true, "\(districts["khulna"] ?? "")")

        // Readable on a small laptop: the page itself never scrolls sideways
        // (wide tables scroll in their own box).
        let overflow = try await browser.evaluate("return document.documentElement.scrollWidth - document.documentElement.clientWidth") as? Int
        #expect(overflow == 0)
        let shots = root.appendingPathComponent(".build/screenshots").path
        try await browser.screenshot(to: "\(shots)/dashboard-summary-\(backend).png")

        // A node's page: what is wrong there, with its fix.
        try await browser.open(base + "/admin/nodes/khulna-dumuria")
        #expect(try await browser.text(of: "[data-fact=\"last_error\"]") == "local writes fail: ডিস্ক পূর্ণ (the disk holding the replica is full)")
        #expect(try await browser.text(of: "[data-fact=\"state\"]") == "error")
        #expect(try await browser.text(of: "ul.problems").contains("last error: local writes fail"))
        try await browser.open(base + "/admin/nodes/jessore-sadar")
        #expect(try await browser.text(of: "[data-fact=\"state\"]") == "stale")
        #expect(try await browser.text(of: "ul.problems").contains("not seen for 9 days"))
        try await browser.screenshot(to: "\(shots)/dashboard-node-\(backend).png")

        // A district's offices, and a filter a person types in.
        try await browser.open(base + "/admin/nodes?district=bagerhat")
        #expect(try await browser.elements("tbody tr[data-node]").count == 10)
        #expect(try await browser.text(of: "main p").hasPrefix("10 offices"))
        try await browser.open(base + "/admin/nodes")
        try await browser.type("7d", into: "input[name=stale]")
        try await browser.click("form.filters button")
        let staleIDs = nodes.filter { entry in
            guard case .int(let ago)? = entry["last_seen_seconds_ago"] else { return true }
            return ago >= 7 * 86_400
        }.count
        #expect(try await browser.text(of: "main p").hasPrefix("\(staleIDs) offices"))
        try await browser.open(base + "/admin/nodes?stale=soon")
        #expect(try await browser.text(of: "p.error").contains("stale must be a duration"))

        // Signing out, and a revoked token, close the dashboard.
        try await browser.click("header form button")
        try await browser.open(base + "/admin")
        #expect(try await browser.currentURL() == base + "/admin/login")
        try await signIn(browser, base: base, token: admin)
        #expect(try await browser.currentURL() == base + "/admin")
        #expect(try await hub.command(["admin", "revoke", "noc"]).status == 0)
        try await browser.open(base + "/admin")
        #expect(try await browser.currentURL() == base + "/admin/login", "a revoked token is refused at the next page")
    }

    static func signIn(_ browser: WebDriver, base: String, token: String) async throws {
        try await browser.open(base + "/admin/login")
        try await browser.type(token, into: "input[name=token]")
        try await browser.click("form button[type=submit]")
    }

    /// 30 offices from a CSV, one more by hand; a few synced now, one
    /// stale for nine days, one failing; an admin. Returns the admin token.
    static func setUpFleet(_ hub: HubProcess, storage: any HubStorage) async throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-fleet-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = "id,offices,name\n" + offices.map { "\($0.id),\($0.office),\($0.name)" }.joined(separator: "\n")
        try csv.write(toFile: dir.appendingPathComponent("nodes.csv").path, atomically: true, encoding: .utf8)
        let added = try await hub.command(["node", "add", "--from", dir.appendingPathComponent("nodes.csv").path,
                                           "--tokens", dir.appendingPathComponent("tokens").path])
        try #require(added.status == 0, "\(added.error)")
        var tokens: [String: String] = [:]
        for line in try String(contentsOfFile: dir.appendingPathComponent("tokens").path, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: ",", maxSplits: 1)
            tokens[String(parts[0])] = String(parts[1])
        }
        _ = try await hub.addNode("rupsha-dc", offices: ["upazila:rupsha"])

        func sync(_ id: String, _ report: NodeReport) async throws {
            let (status, _) = try await hub.request("GET", "/v1/pull", token: tokens[id], body: nil, headers: [SyncHeader.report: report.headerValue])
            try #require(status == 204 || status == 200)
        }
        try await sync("khulna-rupsha", NodeReport(version: SetuVersion.current, pending: 3, oldestUnsentSeconds: 120, conflicts: 1))
        try await sync("khulna-sadar", NodeReport(version: SetuVersion.current, pending: 0))
        try await sync("khulna-dumuria", NodeReport(version: SetuVersion.current, pending: 40, oldestUnsentSeconds: 3 * 86_400,
                                                    lastError: "local writes fail: ডিস্ক পূর্ণ (the disk holding the replica is full)"))
        try await sync("bagerhat-dacope", NodeReport(version: "0.0.9", pending: 0, setAside: 2, clockSkewSeconds: -94_608_000))
        // Seen nine days ago: written as the hub would have then.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try await storage.recordActivity([NodeActivity.pull("jessore-sadar", at: now - 9 * day, cursor: 0,
                                                            report: NodeReport(version: "0.0.9", pending: 12, oldestUnsentSeconds: 10 * 86_400))])
        let flushed = await waitUntil(seconds: 15) {
            let fleet = try? await storage.fleet(lag: false)
            return fleet?.filter { $0.activity != nil }.count == 5
        }
        try #require(flushed, "the hub wrote what it saw")
        let made = try await hub.command(["admin", "add", "noc"])
        try #require(made.status == 0, "\(made.error)")
        return made.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func json(_ answer: (Int, [UInt8])) throws -> JSONValue {
        try #require(answer.0 == 200, "HTTP \(answer.0): \(String(decoding: answer.1, as: UTF8.self))")
        return try JSONParser.parse(answer.1)
    }

    static func nodeList(_ answer: (Int, [UInt8])) throws -> [JSONValue] {
        guard case .array(let nodes)? = try json(answer)["nodes"] else { throw SupportError("no nodes") }
        return nodes
    }

    static func string(_ value: JSONValue) -> String? {
        if case .string(let s) = value { s } else { nil }
    }
}
