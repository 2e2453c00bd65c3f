import Foundation
import Hummingbird
import HummingbirdTesting
import SetuCore
import SetuHub
import SetuProtocol
import SetuStore
import Testing

/// A node cannot push counter entries in another node's name, nor counts
/// that overflow.
@Suite struct CounterForgeryTests {
    static let product: [String: FieldValue] = ["office": .text("district:khulna"), "entrepreneur": .text("রহিমা"),
                                                "title": .text("কাঁথা"), "price_paisa": .int(100_000), "stock": .int(10)]

    @Test(arguments: Backend.allCases)
    func aCounterEntryOfAnotherNodeAheadOfTheHubIsRefused(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let tokenA = try await hub.addNode("office-a", offices: ["district:khulna"])
            let tokenB = try await hub.addNode("khulna-dc", offices: ["district:khulna"])
            let offices = try OfficeReplicas()
            defer { withExtendedLifetime(offices) {} }
            let a = try offices.replica("office-a")
            let b = try offices.replica("khulna-dc")
            try a.put("products", id: "p1", Self.product)
            try await Application(router: hub.router).test(.router) { client in
                #expect(try await client.send(.post, "/v1/push", token: tokenA, json: try Records.pushBody(a).json).status == .ok)
                // khulna-dc learns the product and restocks 4: the hub holds its entry [4, 0].
                let page = try PullResponse(json: try await client.send(.get, "/v1/pull", token: tokenB).json)
                try b.apply(page.records, from: "hub", cursor: page.cursor)
                try b.adjust("products", id: "p1", field: "stock", by: 4)
                #expect(try await client.send(.post, "/v1/push", token: tokenB, json: try Records.pushBody(b, for: "hub").json).status == .ok)
                let head = try await hub.storage.head(offices: ["district:khulna"])

                // office-a claims khulna-dc restocked 500.
                let honest = try #require(try a.feed(after: 0, limit: 10, for: nil).entries.first?.record.state)
                var forged = honest
                forged.counters["stock"] = PNCounter(["office-a": .init(increments: 10), "khulna-dc": .init(increments: 500)])
                let body = PushRequest(records: [ReplicatedRecord(collection: "products", id: "p1", state: forged)])
                let response = try await client.send(.post, "/v1/push", token: tokenA, json: body.json)
                #expect(response.status == .forbidden)
                let reason = try ErrorBody(json: response.json).records.first?.reason ?? ""
                #expect(reason.contains("khulna-dc") && reason.contains("forged counter"), "\(reason)")
                #expect(try await hub.storage.head(offices: ["district:khulna"]) == head, "nothing stored")

                // Relaying khulna-dc's real entry (as pulled from the hub) is fine.
                let back = try PullResponse(json: try await client.send(.get, "/v1/pull", token: tokenA).json)
                try a.apply(back.records, from: "hub", cursor: back.cursor)
                try a.adjust("products", id: "p1", field: "stock", by: -1)
                let relay = try await client.send(.post, "/v1/push", token: tokenA, json: try Records.pushBody(a, for: "hub").json)
                #expect(relay.status == .ok)
                #expect(try a.record("products", id: "p1")?.values?["stock"] == .int(13))
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aCountPastTheBoundIsRefusedAsInvalid(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let token = try await hub.addNode("office-a", offices: ["district:khulna"])
            let offices = try OfficeReplicas()
            defer { withExtendedLifetime(offices) {} }
            let a = try offices.replica("office-a")
            try a.put("products", id: "p1", Self.product)
            var state = try #require(try a.feed(after: 0, limit: 10, for: nil).entries.first?.record.state)
            state.counters["stock"] = PNCounter(["office-a": .init(increments: 9_000_000_000_000_000_000)])
            let body = PushRequest(records: [ReplicatedRecord(collection: "products", id: "p1", state: state)])
            try await Application(router: hub.router).test(.router) { client in
                let response = try await client.send(.post, "/v1/push", token: token, json: body.json)
                #expect(response.status == .unprocessableContent)
                #expect(try ErrorBody(json: response.json).records.first?.reason.contains("outside its bounds") == true)
                #expect(try await hub.storage.head(offices: ["district:khulna"]) == 0)
            }
        }
    }
}
