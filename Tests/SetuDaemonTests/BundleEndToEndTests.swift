import Foundation
import SetuCore
import SetuProtocol
import SetuTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A union digital centre with no link at all syncs with the district
/// office through files alone: real hub, real setud processes, the real
/// setuctl and setu-hub commands. It bootstraps from an answer bundle, edits
/// concurrently with the online office, sends its bundle through the
/// online office and through the hub's operator, and ends with the same
/// records and the same conflicts as the online office. Every kind of bad
/// bundle is refused, applying nothing.
@Suite struct BundleEndToEndTests {
    static let office = "union:dacope-kamarkhola"

    @Test func anOfficeWithNoNetworkConvergesThroughBundlesAlone() async throws {
        let log = Transcript()
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-bundles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
        func hubCommand(_ arguments: [String]) async throws -> (status: Int32, output: String, error: String) {
            let result = try await hub.command(arguments)
            log.show("setu-hub " + arguments.joined(separator: " "), result)
            return result
        }

        let hubKey = try await hubCommand(["key"])
        try #require(hubKey.status == 0)
        let key = hubKey.output.trimmingCharacters(in: .whitespacesAndNewlines)

        // The upazila office has a link; the union centre has none, ever
        // (its hub.url is a closed port), and knows the hub only by its key.
        let online = try SetudProcess(node: "dacope-uz", hub: hub, offices: [Self.office])
        defer { online.stop() }
        let closed = try RawSocket.boundNotListening()
        defer { close(closed.fd) }
        let udc = try SetudProcess(node: "kamarkhola-udc", hub: hub, offices: [Self.office], hubSettings: "public_key = \"\(key)\"", hubPort: closed.port)
        defer { udc.stop() }
        try await online.waitUntilReady()
        try await udc.waitUntilReady()
        let printed = try await runProgram(try Binaries.find("setud"), ["--print-public-key", "--config", udc.configPath])
        log.show("setud --print-public-key", printed)
        let udcKey = printed.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await hubCommand(["node", "set-key", "kamarkhola-udc", "--public-key", udcKey]).status == 0)

        func ctl(_ office: SetudProcess, _ name: String, _ arguments: [String]) async throws -> (status: Int32, output: String, error: String) {
            let result = try await office.ctl(arguments)
            log.show("[\(name)] setuctl " + arguments.joined(separator: " "), result)
            return result
        }

        // The online office's records reach the centre by an answer bundle.
        for (id, name) in [("r1", "রহিমা খাতুন"), ("r2", "করিম শেখ")] {
            #expect(try await ctl(online, "dacope-uz", ["put", "requests", id, "office=\(Self.office)", "service_id=s1", "applicant_name=\(name)",
                                                         "applicant_phone=+8801711000001", "submitted_at=2026-12-01T09:00:00Z", "status=submitted"]).status == 0)
        }
        #expect(try await ctl(online, "dacope-uz", ["sync", "--wait"]).status == 0)
        #expect(try await hubCommand(["bundle", "export", "--node", "kamarkhola-udc", file("answer-0.setu")]).status == 0)
        #expect(try await ctl(udc, "kamarkhola-udc", ["bundle", "import", file("answer-0.setu")]).status == 0)
        #expect(try await udc.ctl(["get", "requests", "r1"]).output.contains("রহিমা খাতুন"))

        // Both edit the same request the same day; the centre adds one.
        #expect(try await ctl(online, "dacope-uz", ["patch", "requests", "r1", "notes=কাগজ জমা হয়েছে", "status=in_review"]).status == 0)
        #expect(try await ctl(online, "dacope-uz", ["sync", "--wait"]).status == 0)
        #expect(try await ctl(udc, "kamarkhola-udc", ["patch", "requests", "r1", "notes=জাতীয় পরিচয়পত্র বাকি"]).status == 0)
        #expect(try await ctl(udc, "kamarkhola-udc", ["put", "requests", "r3", "office=\(Self.office)", "service_id=s1", "applicant_name=সালমা বেগম",
                                                       "applicant_phone=+8801711000003", "submitted_at=2026-12-02T10:00:00Z", "status=submitted"]).status == 0)

        // Round 1: carried through the online office.
        #expect(try await ctl(udc, "kamarkhola-udc", ["bundle", "export", file("udc-1.setu")]).status == 0)
        #expect(try await ctl(online, "dacope-uz", ["bundle", "forward", file("udc-1.setu")]).status == 0)
        #expect(try await ctl(online, "dacope-uz", ["bundle", "fetch", "--for", "kamarkhola-udc", file("answer-1.setu")]).status == 0)
        #expect(try await ctl(udc, "kamarkhola-udc", ["bundle", "import", file("answer-1.setu")]).status == 0)
        #expect(try await ctl(online, "dacope-uz", ["sync", "--wait"]).status == 0)

        // Round 2: the conflict resolved at the centre, carried to the hub's operator.
        #expect(try await ctl(udc, "kamarkhola-udc", ["put", "requests", "r4", "office=\(Self.office)", "service_id=s1", "applicant_name=আবুল কালাম",
                                                       "applicant_phone=+8801711000004", "submitted_at=2026-12-02T11:00:00Z", "status=submitted"]).status == 0)
        #expect(try await ctl(udc, "kamarkhola-udc", ["bundle", "export", file("udc-2.setu")]).status == 0)
        #expect(try await hubCommand(["bundle", "import", file("udc-2.setu")]).status == 0)
        #expect(try await hubCommand(["bundle", "export", "--node", "kamarkhola-udc", file("answer-2.setu")]).status == 0)
        #expect(try await ctl(udc, "kamarkhola-udc", ["bundle", "import", file("answer-2.setu")]).status == 0)
        #expect(try await ctl(online, "dacope-uz", ["sync", "--wait"]).status == 0)

        // Converged: the same records, the same open conflict, nothing pending.
        let onlineConflicts = try await ctl(online, "dacope-uz", ["conflicts", "--json"])
        let udcConflicts = try await ctl(udc, "kamarkhola-udc", ["conflicts", "--json"])
        #expect(onlineConflicts.output == udcConflicts.output)
        #expect(onlineConflicts.output.contains("notes"), "the concurrent notes are an open conflict on both")
        let onlineList = try await online.ctl(["list", "requests", "--json"])
        let udcList = try await udc.ctl(["list", "requests", "--json"])
        #expect(onlineList.output == udcList.output)
        #expect(udcList.output.contains("আবুল কালাম") && onlineList.output.contains("সালমা বেগম"))
        let status = try JSONParser.parse(Array(try await udc.ctl(["status", "--json"]).output.utf8))
        #expect(status["pending_local_changes"] == .int(0), "the answers acknowledged every change the centre sent")
        #expect(status["last_bundle_out"]?["seq"] == .int(2))
        #expect(status["last_answer_in"]?["seq"] == .int(3))
        // Both say the schema they speak; only the networked one has heard the hub's.
        let onlineStatus = try JSONParser.parse(Array(try await online.ctl(["status", "--json"]).output.utf8))
        #expect(onlineStatus["schema"] == .int(Int64(Schema.current.version)) && onlineStatus["hub_schema"] == .int(Int64(Schema.current.version)))
        #expect(status["schema"] == .int(Int64(Schema.current.version)) && status["hub_schema"] == .null)
        let shown = try await ctl(udc, "kamarkhola-udc", ["status"])
        #expect(shown.output.contains("last answer in          #3 at "), "\(shown.output)")

        // An office that syncs over the network gave the hub its key then, and
        // learnt the hub's: its bundles need no enrolment.
        #expect(try await ctl(online, "dacope-uz", ["put", "requests", "r5", "office=\(Self.office)", "service_id=s1", "applicant_name=নাসির উদ্দিন",
                                                     "applicant_phone=+8801711000005", "submitted_at=2026-12-02T12:00:00Z", "status=submitted"]).status == 0)
        #expect(try await ctl(online, "dacope-uz", ["bundle", "export", file("online-1.setu")]).status == 0)
        #expect(try await hubCommand(["bundle", "import", file("online-1.setu")]).status == 0)

        // Refusals, each applying nothing.
        func refused(_ result: (status: Int32, output: String, error: String), _ code: String) {
            #expect(result.status != 0, "\(code): \(result)")
            #expect(result.error.contains(code), "expected \(code) in: \(result.error)")
        }
        let bundle = try Array(Data(contentsOf: URL(fileURLWithPath: file("udc-2.setu"))))
        func write(_ bytes: [UInt8], _ name: String) throws -> String {
            try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
            return file(name)
        }
        var altered = bundle
        altered[altered.count - 10] ^= 0x20
        refused(try await hubCommand(["bundle", "import", try write(altered, "tampered.setu")]), "tampered")
        refused(try await hubCommand(["bundle", "import", try write(Array(bundle.prefix(bundle.count - 100)), "truncated.setu")]), "truncated")
        refused(try await hubCommand(["bundle", "import", file("udc-2.setu")]), "replayed")
        refused(try await ctl(online, "dacope-uz", ["bundle", "forward", file("udc-1.setu")]), "replayed")
        refused(try await ctl(udc, "kamarkhola-udc", ["bundle", "import", file("answer-2.setu")]), "replayed")
        #expect(try await hubCommand(["bundle", "export", "--node", "dacope-uz", file("other-node.setu")]).status == 0)
        refused(try await ctl(udc, "kamarkhola-udc", ["bundle", "import", file("other-node.setu")]), "wrong_node")
        refused(try await ctl(udc, "kamarkhola-udc", ["bundle", "import", file("udc-2.setu")]), "wrong_kind")

        // Another hub: neither takes the other's bundles.
        let other = try HubProcess()
        defer { other.stop() }
        _ = try await other.addNode("kamarkhola-udc", offices: [Self.office])
        #expect(try await other.command(["node", "set-key", "kamarkhola-udc", "--public-key", udcKey]).status == 0)
        refused(try await other.command(["bundle", "import", file("udc-2.setu")]), "wrong_hub")
        #expect(try await other.command(["bundle", "export", "--node", "kamarkhola-udc", file("other-hub.setu")]).status == 0)
        refused(try await ctl(udc, "kamarkhola-udc", ["bundle", "import", file("other-hub.setu")]), "wrong_hub")

        // A new token keeps the key; a revoked node's key goes with it.
        #expect(try await hubCommand(["node", "rotate-token", "kamarkhola-udc"]).status == 0)
        #expect(try await ctl(udc, "kamarkhola-udc", ["bundle", "export", file("udc-3.setu")]).status == 0)
        #expect(try await hubCommand(["bundle", "import", file("udc-3.setu")]).status == 0)
        #expect(try await hubCommand(["node", "revoke", "kamarkhola-udc"]).status == 0)
        #expect(try await hubCommand(["node", "reactivate", "kamarkhola-udc"]).status == 0)
        #expect(try await ctl(udc, "kamarkhola-udc", ["bundle", "export", file("udc-4.setu")]).status == 0)
        refused(try await hubCommand(["bundle", "import", file("udc-4.setu")]), "unknown_signer")

        // A hub holding another key for an office says so at its next sync,
        // and the office's status asks for attention with the fix.
        #expect(try await hubCommand(["node", "set-key", "dacope-uz", "--public-key", udcKey]).status == 0)
        _ = try await ctl(online, "dacope-uz", ["sync", "--wait"])
        let warned = try await ctl(online, "dacope-uz", ["status"])
        #expect(warned.output.contains("attention"), "\(warned.output)")
        #expect(warned.output.contains("another signing key"), "\(warned.output)")

        // Nothing any refusal touched changed either office.
        #expect(try await udc.ctl(["conflicts", "--json"]).output == udcConflicts.output)
        #expect(try await udc.ctl(["list", "requests", "--json"]).output == udcList.output)
    }
}
