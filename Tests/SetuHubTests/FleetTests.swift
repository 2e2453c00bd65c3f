import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SetuCore
import SetuHub
import SetuProtocol
import Testing

/// The hub's record of its fleet, through its HTTP API, on both backends:
/// what a sync reports is stored, the lag is the feed against the node's
/// cursor, the admin API is for admin tokens only.
@Suite struct FleetTests {
    static let report = NodeReport(version: "0.1.0", pending: 4, oldestUnsentSeconds: 7_200, conflicts: 1, setAside: 2,
                                   clockSkewSeconds: -5, lastError: "ডিস্ক পূর্ণ (SQLITE_FULL)")

    static func reportHeader(_ report: NodeReport) -> HTTPFields {
        [HTTPField.Name(SyncHeader.report)!: report.headerValue]
    }

    static func addAdmin(_ hub: HubHarness, _ name: String = "khulna-dc") async throws -> String {
        let (token, hash) = PrefixedToken.admin.generate(for: name)
        try await hub.storage.addAdmin(HubAdmin(name: name, createdAtMillis: 0, revoked: false), tokenHash: hash)
        return token
    }

    @Test(arguments: Backend.allCases)
    func aSyncsReportPullAndPushAreRecordedAndTheLagIsWhatWaitsForTheNode(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let writer = try await hub.addNode("office-a", offices: ["upazila:khulna-rupsha"])
            let reader = try await hub.addNode("office-b", offices: ["upazila:khulna-rupsha"])
            _ = try await hub.addNode("office-c", offices: ["district:khulna"])
            let offices = try OfficeReplicas()
            defer { withExtendedLifetime(offices) {} }
            let a = try offices.replica("office-a")
            for i in 1...6 { try a.put("services", id: "s\(i)", Records.service(office: "upazila:khulna-rupsha", serial: Int64(i))) }
            try await Application(router: hub.router).test(.router) { client in
                let idle = try await client.send(.get, "/v1/pull", token: writer, headers: Self.reportHeader(Self.report))
                #expect(idle.status == .noContent)
                #expect(try await client.send(.post, "/v1/push", token: writer, json: Records.pushBody(a).json).status == .ok)
                let page = try await client.send(.get, "/v1/pull?limit=4", token: reader, headers: Self.reportHeader(NodeReport(version: "0.1.0", pending: 0)))
                #expect(try PullResponse(json: page.json).records.count == 4)
            }
            await hub.service.recorder.flush()
            let fleet = Dictionary(uniqueKeysWithValues: try await hub.storage.fleet(lag: true).map { ($0.node.id.rawValue, $0) })
            let writerEntry = try #require(fleet["office-a"])
            let activity = try #require(writerEntry.activity)
            #expect(activity.report == Self.report)
            #expect(activity.lastPushMillis != nil && activity.lastPullMillis != nil)
            // Its own six writes do not wait for it: they are not lag.
            #expect(writerEntry.lag == 0)
            #expect(fleet["office-b"]?.lag == 2, "four of six sent")
            #expect(fleet["office-c"]?.activity == nil)
            #expect(fleet["office-c"]?.lag == 0, "no record is in district:khulna")
            #expect(try await hub.storage.fleetNode("office-b")?.lag == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func activityWrittenInAnyOrderByTwoHubsEndsTheSame(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            _ = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            let early = NodeActivity.pull("office-a", at: 1_000, cursor: 5, report: NodeReport(version: "0.1.0", pending: 9))
            let late = NodeActivity.pull("office-a", at: 2_000, cursor: 8, report: NodeReport(version: "0.1.0", pending: 1))
            let push = NodeActivity.push("office-a", at: 1_500)
            try await hub.storage.recordActivity([late])
            try await hub.storage.recordActivity([push])
            try await hub.storage.recordActivity([early])
            let stored = try #require(try await hub.storage.fleetNode("office-a")?.activity)
            var folded = early
            folded.absorb(push)
            folded.absorb(late)
            #expect(stored == folded)
            #expect((stored.firstSeenMillis, stored.lastSeenMillis, stored.pullCursor, stored.report?.pending) == (1_000, 2_000, 8, 1))
        }
    }

    @Test(arguments: Backend.allCases)
    func aMalformedReportIsRefusedWith400AndRecordsNothing(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            try await Application(router: hub.router).test(.router) { client in
                let bad = try await client.send(.get, "/v1/pull", token: token,
                                                headers: [HTTPField.Name(SyncHeader.report)!: "version=0.1.0&pending=lots"])
                #expect(bad.status == .badRequest)
                #expect(bad.errorCode == "bad_report")
                #expect(String(buffer: bad.body).contains("pending must be a whole number"))
                await hub.service.recorder.flush()
                #expect(try await hub.storage.fleetNode("office-a")?.activity == nil)

                // A good report, the same again (kept parsed), a new one, then a bad one.
                for pending in [1, 1, 2] {
                    let good = try await client.send(.get, "/v1/pull", token: token, headers: Self.reportHeader(NodeReport(version: "0.1.0", pending: pending)))
                    #expect(good.status == .noContent)
                }
                #expect(try await client.send(.get, "/v1/pull", token: token,
                                              headers: [HTTPField.Name(SyncHeader.report)!: "version=0.1.0&pending=2&skew=x"]).status == .badRequest)
            }
            await hub.service.recorder.flush()
            #expect(try await hub.storage.fleetNode("office-a")?.activity?.report?.pending == 2, "the refused report changed nothing")
        }
    }

    @Test(arguments: Backend.allCases)
    func theAdminAPIAnswersAdminTokensOnlyAndDescribesTheFleet(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let node = try await hub.addNode("office-a", offices: ["upazila:khulna-rupsha"])
            _ = try await hub.addNode("office-b", offices: ["district:jessore"])
            let admin = try await Self.addAdmin(hub)
            let revoked = try await Self.addAdmin(hub, "former")
            #expect(try await hub.storage.revokeAdmin("former"))
            try await Application(router: hub.router).test(.router) { client in
                _ = try await client.send(.get, "/v1/pull", token: node, headers: Self.reportHeader(Self.report))
                await hub.service.recorder.flush()
                for path in ["/v1/admin/summary", "/v1/admin/nodes", "/v1/admin/nodes/office-a"] {
                    for token in [nil, node, revoked, admin.replacingOccurrences(of: "khulna-dc", with: "office-a")] {
                        let refused = try await client.send(.get, path, token: token)
                        #expect(refused.status == .unauthorized, "\(path) with \(token ?? "no token")")
                    }
                }
                // An admin token is no node token either.
                #expect(try await client.send(.get, "/v1/pull", token: admin).status == .unauthorized)

                let summary = try await client.send(.get, "/v1/admin/summary", token: admin).json
                #expect(summary["nodes"] == .int(2))
                #expect(summary["never_seen"] == .int(1))
                #expect(summary["seen_within_hour"] == .int(1))
                #expect(summary["set_aside"] == .int(2))
                #expect(summary["reporting_errors"] == .int(1))

                let listed = try await client.send(.get, "/v1/admin/nodes", token: admin).json
                guard case .array(let nodes)? = listed["nodes"] else { Issue.record("no nodes array"); return }
                #expect(nodes.map { $0["id"] } == [.string("office-b"), .string("office-a")], "never seen first")
                #expect(nodes[1]["last_error"] == .string("ডিস্ক পূর্ণ (SQLITE_FULL)"))
                #expect(nodes[1]["state"] == .string("error"))
                #expect(nodes[0]["state"] == .string("never"))

                let filtered = try await client.send(.get, "/v1/admin/nodes?office=district%3Ajessore", token: admin).json
                guard case .array(let only)? = filtered["nodes"] else { Issue.record("no nodes array"); return }
                #expect(only.map { $0["id"] } == [.string("office-b")])
                #expect(try await client.send(.get, "/v1/admin/nodes?stale=soon", token: admin).errorCode == "bad_stale")

                let one = try await client.send(.get, "/v1/admin/nodes/office-a", token: admin).json
                #expect(one["pending"] == .int(4))
                #expect(one["oldest_unsent_seconds"] == .int(7_200))
                #expect(try await client.send(.get, "/v1/admin/nodes/nobody", token: admin).status == .notFound)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func metricsCountStaleNodesErrorsAndTotalsWithoutALabelPerOffice(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let a = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            _ = try await hub.addNode("office-b", offices: ["district:khulna"])
            try await Application(router: hub.router).test(.router) { client in
                _ = try await client.send(.get, "/v1/pull", token: a, headers: Self.reportHeader(Self.report))
                await hub.service.recorder.flush()
                let text = String(buffer: try await client.send(.get, "/metrics", token: nil).body)
                for line in [#"setu_hub_nodes_not_seen{for="1d"} 1"#, #"setu_hub_nodes_not_seen{for="1h"} 1"#, "setu_hub_nodes_never_seen 1",
                             "setu_hub_nodes_reporting_errors 1", "setu_hub_fleet_set_aside 2", "setu_hub_fleet_open_conflicts 1",
                             "setu_hub_fleet_pending_changes 4", #"setu_hub_nodes{state="error"} 1"#, "setu_hub_nodes_registered 2"] {
                    #expect(text.contains(line), "\(line) missing")
                }
                #expect(!text.contains("office-a"), "no label per office")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func manyNodesAreAddedAllOrNone(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            _ = try await hub.addNode("taken", offices: ["upazila:rupsha"])
            func node(_ id: String) -> (node: HubNode, tokenHash: [UInt8]) {
                (HubNode(id: NodeID(rawValue: id)!, offices: ["upazila:rupsha"], createdAtMillis: 0, revoked: false, name: "রূপসা"), NodeToken.generate(for: NodeID(rawValue: id)!).hash)
            }
            await #expect { try await hub.storage.addNodes([node("new-1"), node("taken"), node("new-2")]) } throws: { "\($0)".contains("taken") }
            #expect(try await hub.storage.nodes().map(\.id) == ["taken"])
            try await hub.storage.addNodes((1...300).map { node("n\($0)") })
            let nodes = try await hub.storage.nodes()
            #expect(nodes.count == 301)
            #expect(nodes.first { $0.id == "n7" }?.name == "রূপসা")
        }
    }
}
