import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import SetuBundle
import SetuCore
import SetuHub
import SetuProtocol
import SetuStore
import SetuTestSupport
import Testing

/// A hub and offices on different releases during a rolling upgrade, on
/// both backends: an older hub takes and passes on what upgraded offices
/// write (a product's weight, a stall), an older office edits such a
/// product and its edit reaches the newer one with the weight intact, and
/// a newer hub serves older offices. Nothing is refused or set aside.
@Suite struct MixedSchemaHubTests {
    @Test(arguments: Backend.allCases)
    func anOlderHubPassesOnWhatItDoesNotKnow(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let offices = try OfficeReplicas()
            defer { withExtendedLifetime(offices) {} }
            let newer = try offices.replica("khulna-new", schema: TestSchemas.newer)
            let older = try offices.replica("khulna-old")
            let newerToo = try offices.replica("khulna-new-2", schema: TestSchemas.newer)
            let tokens = [
                newer.node: try await hub.addNode(newer.node, offices: ["district:khulna"]),
                older.node: try await hub.addNode(older.node, offices: ["district:khulna"]),
                newerToo.node: try await hub.addNode(newerToo.node, offices: ["district:khulna"]),
            ]
            try Self.writeWeightAndStall(on: newer)
            try await Application(router: hub.router).test(.router) { client in
                let push = try await client.send(.post, "/v1/push", token: tokens[newer.node], json: try Records.pushBody(newer).json)
                #expect(push.status == .ok, "\(String(buffer: push.body))")
                #expect(push.headers[HTTPField.Name(SyncHeader.schema)!] == String(Schema.current.version))

                try await Self.pull(into: older, token: tokens[older.node]!, client)
                #expect(try older.rejections().isEmpty)
                #expect(try older.record("products", id: "p1")?.values?["title"] == .text("নকশী কাঁথা"))
                try older.patch("products", id: "p1", ["title": .text("নকশী কাঁথা (বড়)")])
                let back = try await client.send(.post, "/v1/push", token: tokens[older.node], json: try Records.pushBody(older, for: "hub").json)
                #expect(back.status == .ok, "\(String(buffer: back.body))")

                try await Self.pull(into: newerToo, token: tokens[newerToo.node]!, client)
                #expect(try newerToo.rejections().isEmpty)
                let values = try #require(try newerToo.record("products", id: "p1")?.values)
                #expect(values["title"] == .text("নকশী কাঁথা (বড়)") && values["weight_grams"] == .int(450),
                        "the older office's edit and the newer field, through an older hub")
                #expect(try newerToo.record("stalls", id: "st1")?.values?["visitors"] == .int(12))
                let state = try #require(try newerToo.record("products", id: "p1")?.state)
                #expect(try older.stateDump().contains(Hex.encode(StateCodec.encode(state))),
                        "byte-identical states on the older office and the newer one")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aNewerHubServesOlderOffices(_ backend: Backend) async throws {
        try await HubHarness.with(backend, schema: TestSchemas.newer) { hub in
            let offices = try OfficeReplicas()
            defer { withExtendedLifetime(offices) {} }
            let older = try offices.replica("rupsha-old")
            let newer = try offices.replica("rupsha-new", schema: TestSchemas.newer)
            let tokenOld = try await hub.addNode(older.node, offices: ["district:khulna"])
            let tokenNew = try await hub.addNode(newer.node, offices: ["district:khulna"])
            try older.put("products", id: "p2", Records.product)
            try await Application(router: hub.router).test(.router) { client in
                let push = try await client.send(.post, "/v1/push", token: tokenOld, json: try Records.pushBody(older).json)
                #expect(push.status == .ok)
                #expect(push.headers[HTTPField.Name(SyncHeader.schema)!] == String(TestSchemas.newer.version))
                try await Self.pull(into: newer, token: tokenNew, client)
                try newer.patch("products", id: "p2", ["weight_grams": .int(900)])
                #expect(try await client.send(.post, "/v1/push", token: tokenNew, json: try Records.pushBody(newer, for: "hub").json).status == .ok)
                try await Self.pull(into: older, token: tokenOld, client)
                #expect(try older.rejections().isEmpty && newer.rejections().isEmpty)
                #expect(try older.stateDump() == newer.stateDump())
            }
        }
    }

    /// By files too: a newer office's bundle with a weight and a stall is
    /// taken in whole by an older hub, and its answer carries them to
    /// another newer office byte for byte.
    @Test(arguments: Backend.allCases)
    func anOlderHubTakesANewerOfficesBundleWhole(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let offices = try OfficeReplicas()
            defer { withExtendedLifetime(offices) {} }
            let maker = try offices.replica("khulna-new", schema: TestSchemas.newer)
            let reader = try offices.replica("khulna-new-2", schema: TestSchemas.newer)
            _ = try await hub.addNode(maker.node, offices: ["district:khulna"])
            _ = try await hub.addNode(reader.node, offices: ["district:khulna"])
            let key = SigningKey()
            _ = try await hub.storage.setPublicKey(key.publicKey.rawBytes, of: maker.node, replace: true)
            try Self.writeWeightAndStall(on: maker)
            let records = try maker.feed(after: 0, limit: 10).entries.map(\.record)
            let bundles = BundleService(sync: hub.service, key: SigningKey())
            let header = BundleHeader(kind: .office, node: maker.node, hubKey: bundles.key.publicKey, seq: 1, createdMillis: hub.clock.now,
                                      records: records.count, held: 0, through: 2)
            let imported = try await bundles.importBundle(try SignedBundle.seal(header, BundlePayload(records: records), key: key),
                                                          logger: Logger(label: "mixed-schema-test"))
            #expect(imported.changed == 2 && imported.refused.isEmpty)
            let answer = try SignedBundle.open(try await bundles.answer(for: reader.node).bytes, signedBy: bundles.key.publicKey)
            #expect(answer.payload.records == records, "the states as the maker wrote them")
            try reader.applyAnswer(answer.payload.records, rejections: answer.payload.rejections, from: "hub", seq: answer.header.seq,
                                   held: answer.header.held, cursor: answer.header.cursor ?? 0, through: answer.header.through)
            #expect(try reader.record("products", id: "p1")?.values?["weight_grams"] == .int(450))
            #expect(try reader.record("stalls", id: "st1")?.values?["visitors"] == .int(12))
            #expect(try reader.rejections().isEmpty)
        }
    }

    /// What only the newer schema declares: a product's weight and a stall.
    static func writeWeightAndStall(on replica: Replica) throws {
        var product = Records.product
        product["weight_grams"] = .int(450)
        try replica.put("products", id: "p1", product)
        try replica.put("stalls", id: "st1", ["office": .text("district:khulna"), "name": .text("নকশী কাঁথার স্টল"), "visitors": .int(12)])
    }

    /// Pulls every page the hub has for `replica` and applies it.
    static func pull(into replica: Replica, token: String, _ client: some TestClientProtocol) async throws {
        var cursor = try replica.pullCursor(from: "hub") ?? ""
        while true {
            let page = try await client.send(.get, "/v1/pull?cursor=\(cursor)", token: token)
            #expect(page.headers[HTTPField.Name(SyncHeader.schema)!] != nil)
            if page.status == .noContent { return }
            let body = try PullResponse(json: page.json)
            let report = try replica.apply(body.records, from: "hub", cursor: body.cursor)
            #expect(report.rejected.isEmpty, "\(report.rejected)")
            cursor = body.cursor
            if !body.more { return }
        }
    }
}
