import Foundation
import SetuProtocol
import SetuTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The e-commerce platform and a display centre, both real: a hub process,
/// setud processes, the platform's HTTP calls. Products listed offline reach
/// the platform; online sales and the centre's own sales and restocks made
/// offline the same day all count; the stock is exact everywhere, and the
/// oversold product is shown to the office and to the platform.
@Suite struct CatalogueEndToEndTests {
    static func json(_ bytes: [UInt8]) throws -> JSONValue { try JSONParser.parse(bytes) }

    static func product(_ entries: [JSONValue], _ id: String) -> JSONValue? { entries.first { $0["id"] == .string(id) } }

    @Test func salesOnlineAndOfflineAtTheCentreMakeTheStockExactEverywhere() async throws {
        let log = Transcript()
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let added = try await hub.command(["integration", "add", "ecom", "--office", "district:khulna", "--read", "--sell"])
        log.show("setu-hub integration add ecom --office district:khulna --read --sell", (added.status, "integration.ecom.<64 hex digits>\n", added.error))
        try #require(added.status == 0, "\(added.error)")
        let token = added.output.trimmingCharacters(in: .whitespacesAndNewlines)

        // The display centre lists products before it has ever reached the hub.
        let closed = try RawSocket.boundNotListening()
        defer { close(closed.fd) }
        let centre = try SetudProcess(node: "khulna-dc", hub: hub, offices: ["district:khulna"], hubPort: closed.port)
        defer { centre.stop() }
        try await centre.waitUntilReady()
        for put in [
            ["put", "products", "nakshi-1", "office=district:khulna", "entrepreneur=সালমা বেগম", "title=নকশী কাঁথা (বড়)", "price_paisa=৩৫০০০০", "stock=5", "unit=পিস", "listed=true"],
            ["put", "products", "jute-1", "office=district:khulna", "entrepreneur=আব্দুল হালিম", "title=পাটের ব্যাগ", "price_paisa=45000", "stock=40", "unit=পিস", "listed=true"],
            ["put", "products", "draft-1", "office=district:khulna", "entrepreneur=আব্দুল হালিম", "title=নতুন নকশা", "price_paisa=1000", "stock=1", "listed=false"],
        ] {
            let result = try await centre.ctl(put)
            log.show("setuctl " + put.joined(separator: " "), result)
            #expect(result.status == 0)
        }
        try await centre.restart(hubPort: hub.port)
        let first = try await centre.ctl(["sync", "--wait"])
        log.show("setuctl sync --wait", first)
        #expect(first.status == 0)

        // The platform reads the catalogue.
        let (status, body) = try await hub.request("GET", "/v1/catalogue/changes", token: token, body: nil)
        let feed = try Self.json(body)
        log.say("GET /v1/catalogue/changes → \(status) \(String(decoding: body, as: UTF8.self).prefix(400))…")
        #expect(status == 200)
        guard case .array(let entries)? = feed["changes"], case .string(let cursor)? = feed["cursor"] else { throw SupportError("bad feed \(feed)") }
        #expect(entries.count == 3)
        #expect(Self.product(entries, "nakshi-1")?["price_paisa"] == .int(350_000), "Bengali digits became the number")
        #expect(Self.product(entries, "nakshi-1")?["title"] == .string("নকশী কাঁথা (বড়)"))
        #expect(Self.product(entries, "draft-1")?["listed"] == .bool(false))

        // The centre goes offline for the day; the platform sells meanwhile.
        try await centre.restart(hubPort: closed.port)
        func sell(_ order: String, _ product: String, _ quantity: Int) async throws -> (Int, JSONValue) {
            let sale = Array(#"{"order_id":"\#(order)","product_id":"\#(product)","quantity":\#(quantity)}"#.utf8)
            let (status, body) = try await hub.request("POST", "/v1/catalogue/sales", token: token, body: sale)
            log.say("POST /v1/catalogue/sales \(String(decoding: sale, as: UTF8.self)) → \(status) \(String(decoding: body, as: UTF8.self))")
            return (status, try Self.json(body))
        }
        #expect(try await sell("EC-2026-0001", "nakshi-1", 3).0 == 201)
        #expect(try await sell("EC-2026-0001", "nakshi-1", 3).1["duplicate"] == .bool(true), "a retried order counts once")
        #expect(try await sell("EC-2026-0002", "jute-1", 10).1["stock"] == .int(30))
        #expect(try await sell("EC-2026-0003", "draft-1", 1).0 == 409, "an unlisted product is refused")
        // Offline at the centre, the same day: 4 of the nakshi sold over the counter, 5 bags restocked.
        for adjust in [["stock", "adjust", "nakshi-1", "-4"], ["stock", "adjust", "jute-1", "+৫"]] {
            let result = try await centre.ctl(adjust)
            log.show("setuctl " + adjust.joined(separator: " "), result)
            #expect(result.status == 0)
        }

        // Both sides sync: 5 − 3 − 4 = −2 nakshi, 40 − 10 + 5 = 35 bags, everywhere.
        try await centre.restart(hubPort: hub.port)
        let second = try await centre.ctl(["sync", "--wait"])
        log.show("setuctl sync --wait", second)
        #expect(second.status == 0)
        #expect(try await centre.ctl(["sync", "--wait"]).status == 0, "the merged counts come back")
        for id in ["nakshi-1", "jute-1"] {
            let got = try await centre.ctl(["get", "products", id, "--json"])
            #expect(got.status == 0)
            let stock = try Self.json(Array(got.output.utf8))["stock"]
            log.say("setuctl get products \(id) --json → stock \(stock.map(JSONWriter.string) ?? "?")")
            #expect(stock == .int(id == "nakshi-1" ? -2 : 35), "\(got.output)")
        }
        let status2 = try await centre.ctl(["status"])
        log.show("setuctl status", status2)
        #expect(status2.output.contains("attention") && status2.output.contains("1 product oversold"), "\(status2.output)")
        let conflicts = try await centre.ctl(["conflicts"])
        log.show("setuctl conflicts", conflicts)
        #expect(conflicts.output.contains("products/nakshi-1 stock: oversold, stock -2 (integration:ecom -3, khulna-dc +1)"), "\(conflicts.output)")

        // The hub's fleet view shows it too, from the centre's report.
        func centreInFleet() async throws -> JSONValue? {
            guard case .array(let nodes)? = try Self.json(Array(try await hub.command(["nodes", "--json"]).output.utf8))["nodes"] else { return nil }
            return nodes.first { $0["id"] == .string("khulna-dc") }
        }
        let flagged = try await waitUntil(seconds: 20) { try await centreInFleet()?["oversold"] == .int(1) }
        let fleetEntry = try await centreInFleet()
        #expect(flagged && fleetEntry?["state"] == .string("attention"), "\(fleetEntry.map(JSONWriter.string) ?? "none")")
        log.say("setu-hub nodes --json → khulna-dc state \(fleetEntry?["state"].map(JSONWriter.string) ?? "?"), problems \(fleetEntry?["problems"].map(JSONWriter.string) ?? "?")")

        let (_, after) = try await hub.request("GET", "/v1/catalogue/changes?cursor=\(cursor)", token: token, body: nil)
        log.say("GET /v1/catalogue/changes?cursor=\(cursor) → \(String(decoding: after, as: UTF8.self).prefix(600))…")
        guard case .array(let changed)? = try Self.json(after)["changes"] else { throw SupportError("bad feed") }
        #expect(Self.product(changed, "nakshi-1")?["stock"] == .int(-2) && Self.product(changed, "nakshi-1")?["oversold"] == .bool(true))
        #expect(Self.product(changed, "jute-1")?["stock"] == .int(35) && Self.product(changed, "jute-1")?["oversold"] == .bool(false))

        // A second office of the district, bootstrapping now, holds the same stock.
        let second2 = try SetudProcess(node: "khulna-dc-2", hub: hub, offices: ["district:khulna"])
        defer { second2.stop() }
        try await second2.waitUntilReady()
        #expect(try await second2.ctl(["sync", "--wait"]).status == 0)
        #expect(try await second2.ctl(["conflicts", "--json"]).output == (try await centre.ctl(["conflicts", "--json"])).output, "the same list on both")

        // The centre counts its shelf (none left) and says so: oversold no more.
        let recount = try await centre.ctl(["resolve", "products", "nakshi-1", "stock", "--value", "০"])
        log.show("setuctl resolve products nakshi-1 stock --value ০", recount)
        #expect(recount.status == 0)
        #expect(try await centre.ctl(["sync", "--wait"]).status == 0)
        let settled = try await centre.ctl(["status", "--json"])
        #expect(settled.output.contains("\"oversold\":0") && !settled.output.contains("attention"), "\(settled.output)")
        let (_, last) = try await hub.request("GET", "/v1/catalogue/changes?cursor=\(cursor)", token: token, body: nil)
        guard case .array(let final)? = try Self.json(last)["changes"] else { throw SupportError("bad feed") }
        #expect(Self.product(final, "nakshi-1")?["stock"] == .int(0) && Self.product(final, "nakshi-1")?["oversold"] == .bool(false))
        log.say("after the recount: nakshi-1 stock \(Self.product(final, "nakshi-1")?["stock"].map(JSONWriter.string) ?? "?") in the catalogue feed")
    }

    /// The operator's side: list, rotate, revoke; an office may not take
    /// the name its sales are counted under.
    @Test func integrationsAreAddedRotatedAndRevokedFromTheCommandLine() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let noPermission = try await hub.command(["integration", "add", "ecom", "--office", "district:khulna"])
        #expect(noPermission.status != 0 && noPermission.error.contains("--read, --sell or both"), "\(noPermission.error)")
        let badName = try await hub.command(["integration", "add", "E Com", "--office", "district:khulna", "--read"])
        #expect(badName.status != 0 && badName.error.contains("integration name"), "\(badName.error)")
        let added = try await hub.command(["integration", "add", "ecom", "--office", "district:khulna", "--read"])
        #expect(added.status == 0 && added.output.hasPrefix("integration.ecom."), "\(added.error)")
        let again = try await hub.command(["integration", "add", "ecom", "--office", "district:jessore", "--sell"])
        #expect(again.status != 0 && again.error.contains("exists already"), "\(again.error)")
        let old = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await hub.request("GET", "/v1/catalogue/changes", token: old, body: nil).0 == 200)

        let rotated = try await hub.command(["integration", "rotate-token", "ecom"])
        #expect(rotated.status == 0)
        let fresh = rotated.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await hub.request("GET", "/v1/catalogue/changes", token: old, body: nil).0 == 401)
        #expect(try await hub.request("GET", "/v1/catalogue/changes", token: fresh, body: nil).0 == 200)
        let list = try await hub.command(["integration", "list"])
        #expect(list.output.hasPrefix("NAME\tSTATE\tMAY\tOFFICES\tADDED\necom\tactive\tread\tdistrict:khulna\t"), "\(list.output)")

        #expect(try await hub.command(["integration", "revoke", "ecom"]).status == 0)
        #expect(try await hub.request("GET", "/v1/catalogue/changes", token: fresh, body: nil).0 == 401)
        #expect(try await hub.command(["integration", "list"]).output.contains("ecom\trevoked"))
        #expect(try await hub.command(["integration", "revoke", "nobody"]).status == 1)
        let back = try await hub.command(["integration", "reactivate", "ecom"])
        let reactivated = back.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(back.status == 0 && reactivated.hasPrefix("integration.ecom."), "\(back.error)")
        #expect(try await hub.request("GET", "/v1/catalogue/changes", token: fresh, body: nil).0 == 401, "the revoked token stays refused")
        #expect(try await hub.request("GET", "/v1/catalogue/changes", token: reactivated, body: nil).0 == 200)

        // Re-scoped (what it then reads and sells: CatalogueTests).
        #expect(try await hub.command(["integration", "set-offices", "ecom", "--office", "district:jessore"]).status == 0)
        #expect(try await hub.command(["integration", "list"]).output.contains("ecom\tactive\tread\tdistrict:jessore\t"))
        let noOffice = try await hub.command(["integration", "set-offices", "ecom"])
        #expect(noOffice.status != 0 && noOffice.error.contains("--office"), "\(noOffice.error)")

        let reserved = try await hub.command(["node", "add", "integration:ecom", "--office", "district:khulna"])
        #expect(reserved.status != 0 && reserved.error.contains("kept for integrations"), "\(reserved.error)")
    }
}
