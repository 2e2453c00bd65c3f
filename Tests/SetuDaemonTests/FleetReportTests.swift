import Foundation
import SetuCore
import SetuProtocol
import SetuTestSupport
import Testing

/// A real office tells a real hub how it is, and `setu-hub nodes` shows it.
@Suite struct FleetReportTests {
    static func fleet(_ hub: HubProcess, _ arguments: [String] = []) async throws -> [JSONValue] {
        let result = try await hub.command(["nodes", "--json"] + arguments)
        guard result.status == 0, case .array(let nodes)? = try JSONParser.parse(Array(result.output.utf8))["nodes"] else {
            throw SupportError("setu-hub nodes --json failed: \(result.output) \(result.error)")
        }
        return nodes
    }

    static func node(_ hub: HubProcess, _ id: String) async throws -> JSONValue? {
        try await fleet(hub).first { $0["id"] == .string(id) }
    }

    @Test func whatAnOfficeReportsWithItsSyncIsWhatTheHubShows() async throws {
        // A hub that takes two records a push, against an office sending 500:
        // the push is refused as a whole (413), an error waiting will not mend.
        let hub = try HubProcess(limits: "max_push_records = 2")
        defer { hub.stop() }
        try await hub.waitUntilServing()
        _ = try await hub.addNode("jessore-dc", offices: ["district:jessore"])
        let setud = try SetudProcess(node: "rupsha-01", hub: hub, offices: ["upazila:khulna-rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)
        let first = await waitUntil(seconds: 10) { (try? await Self.node(hub, "rupsha-01"))??["version"] == .string(SetuVersion.current) }
        #expect(first, "the first sync's report reaches the fleet view")

        // One import of five: one push of five, over the hub's limit.
        let rows = (1...5).map { "s\($0),upazila:khulna-rupsha,citizen,\($0),সেবা \($0)" }
        let file = setud.dir.appendingPathComponent("services.csv").path
        try (["id,office,section,serial,name"] + rows).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try await setud.ctl(["import", "file", "services", file])
        #expect(imported.status == 0, "\(imported.output) \(imported.error)")
        let refused = try await setud.ctl(["sync", "--wait"])
        #expect(refused.status == 4, "the push is refused: \(refused.output) \(refused.error)")
        #expect(try await setud.ctl(["sync", "--wait"]).status == 4)
        let reported = await waitUntil(seconds: 10) { (try? await Self.node(hub, "rupsha-01"))??["state"] == .string("error") }
        let entry = try #require(try await Self.node(hub, "rupsha-01"))
        #expect(reported, "\(entry)")
        #expect(entry["pending"] == .int(5))
        #expect(entry["last_error"].map { "\($0)".contains("batch_too_large") } == true, "\(entry)")
        #expect(entry["last_push_at"] == .null, "no push was taken")
        if case .int(let age)? = entry["oldest_unsent_seconds"] { #expect(age >= 0 && age < 600) } else { Issue.record("oldest_unsent_seconds: \(entry)") }
        #expect(entry["clock_skew_seconds"].map { if case .int(let s) = $0 { abs(s) <= 2 } else { false } } == true)

        // What an operator reads: a table, stalest first, with a header.
        let table = try await hub.command(["nodes"])
        let lines = table.output.split(separator: "\n")
        #expect(lines.first?.hasPrefix("NODE") == true && lines.first?.contains("LAST SEEN") == true, "\(table.output)")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("jessore-dc") && lines[1].contains("never"), "never seen comes first: \(table.output)")
        #expect(lines[2].hasPrefix("rupsha-01") && lines[2].contains("just now") && lines[2].hasSuffix("error"), "\(table.output)")
        #expect(table.error.contains("2 of 2 nodes"))

        #expect(try await Self.fleet(hub, ["--stale", "1h"]).map { $0["id"] } == [.string("jessore-dc")])
        #expect(try await Self.fleet(hub, ["--office", "upazila:khulna"]).map { $0["id"] } == [.string("rupsha-01")])
        #expect(try await Self.fleet(hub, ["--district", "jessore"]).map { $0["id"] } == [.string("jessore-dc")])
        let bad = try await hub.command(["nodes", "--stale", "a while"])
        #expect(bad.status == 64 && bad.error.contains("--stale must be a duration"), "\(bad.status) \(bad.error)")
    }

    /// A sync that pushes what was pending ends with a fresh report: the hub
    /// does not keep showing as pending what it has just received.
    @Test func afterASyncThatPushedTheHubShowsNothingPending() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "rupsha-01", hub: hub, offices: ["upazila:khulna-rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        let rows = (1...3).map { "s\($0),upazila:khulna-rupsha,citizen,\($0),সেবা \($0)" }
        let file = setud.dir.appendingPathComponent("services.csv").path
        try (["id,office,section,serial,name"] + rows).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)
        // The import's own sync pushes the three (a local write asks for one);
        // no other sync follows it.
        #expect(try await setud.ctl(["import", "file", "services", file]).status == 0)
        let pushed = await waitUntil(seconds: 10) {
            let status = (try? await setud.ctl(["status", "--json"]).output) ?? ""
            return status.contains("\"pending_local_changes\":0") && status.contains("\"records_out\":3")
        }
        #expect(pushed)
        let settled = await waitUntil(seconds: 10) {
            guard let entry = try? await Self.node(hub, "rupsha-01") else { return false }
            return entry["last_push_at"] != .null && entry["pending"] == .int(0) && entry["state"] == .string("ok")
        }
        let shown = try await Self.node(hub, "rupsha-01")
        #expect(settled, "\(String(describing: shown))")
    }

    @Test func nodesAreRegisteredFromACSVFileWithTokensOnlyItsOwnerCanRead() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-nodes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Saved by a spreadsheet on Windows: a byte-order mark and CRLF.
        var csv = "\u{FEFF}id,offices,name\r\n"
        for i in 1...5_000 { csv += "uz-\(i),upazila:d\(i % 64)-u\(i) union:d\(i % 64)-u\(i)-x,\"উপজেলা আইসিটি অফিস \(i)\"\r\n" }
        let file = dir.appendingPathComponent("nodes.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let tokens = dir.appendingPathComponent("tokens.csv").path

        let added = try await hub.command(["node", "add", "--from", file, "--tokens", tokens])
        #expect(added.status == 0, "\(added.error)")
        #expect(added.error.contains("5000 nodes added"))
        let mode = try FileManager.default.attributesOfItem(atPath: tokens)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let lines = try String(contentsOfFile: tokens, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 5_000)
        let line = try #require(lines.first { $0.hasPrefix("uz-42,") })
        let token = String(line.dropFirst("uz-42,".count))
        #expect(try await hub.request("GET", "/v1/pull", token: token, body: nil).0 == 204, "the written token works")
        let listed = try await hub.command(["node", "list"]).output
        #expect(listed.contains("uz-42\tactive\tupazila:d42-u42,union:d42-u42-x\tউপজেলা আইসিটি অফিস 42"))

        // One bad line refuses the file: the line is named, nothing is added.
        let broken = dir.appendingPathComponent("broken.csv").path
        try "id,offices,name\nok-1,upazila:rupsha,\nBad Id!,upazila:rupsha,\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let refused = try await hub.command(["node", "add", "--from", broken, "--tokens", dir.appendingPathComponent("t2").path])
        #expect(refused.status == 1 && refused.error.contains("line 3") && refused.error.contains("nothing was added"), "\(refused.error)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("t2").path))
        #expect(!(try await hub.command(["node", "list"]).output.contains("ok-1")))
        // A tokens file that exists already is never overwritten.
        let again = try await hub.command(["node", "add", "--from", broken, "--tokens", tokens])
        #expect(again.status == 1)
        // Ids taken already: all or none.
        let taken = dir.appendingPathComponent("taken.csv").path
        try "id,offices\nfresh-1,upazila:rupsha\nuz-7,upazila:rupsha\n".write(toFile: taken, atomically: true, encoding: .utf8)
        let clash = try await hub.command(["node", "add", "--from", taken, "--tokens", dir.appendingPathComponent("t3").path])
        #expect(clash.status == 1 && clash.error.contains("uz-7"), "\(clash.error)")
        #expect(!(try await hub.command(["node", "list"]).output.contains("fresh-1")))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("t3").path), "no tokens left for nodes that were not added")
    }

    @Test func adminTokensAreAddedListedAndRevokedAndOpenOnlyTheAdminAPI() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let node = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
        let added = try await hub.command(["admin", "add", "khulna-dc"])
        #expect(added.status == 0, "\(added.error)")
        let admin = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(admin.hasPrefix("admin.khulna-dc."))
        #expect(try await hub.command(["admin", "add", "khulna-dc"]).status != 0, "names are unique")
        #expect(try await hub.request("GET", "/v1/admin/summary", token: admin, body: nil).0 == 200)
        #expect(try await hub.request("GET", "/v1/admin/summary", token: node, body: nil).0 == 401)
        #expect(try await hub.request("GET", "/v1/pull", token: admin, body: nil).0 == 401)
        #expect(try await hub.command(["admin", "list"]).output.contains("khulna-dc\tactive"))
        #expect(try await hub.command(["admin", "revoke", "khulna-dc"]).status == 0)
        #expect(try await hub.request("GET", "/v1/admin/summary", token: admin, body: nil).0 == 401, "refused at once")
        #expect(try await hub.command(["admin", "list"]).output.contains("khulna-dc\trevoked"))
        #expect(try await hub.command(["admin", "revoke", "nobody"]).status == 1)
        #expect(!hub.log.contains(String(admin.suffix(64))), "the secret is never logged")
    }
}
