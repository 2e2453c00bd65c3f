import CompressNIO
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import SetuCore
import SetuHub
import SetuProtocol
import SetuStore
import SetuSync
import SetuTransport
import Synchronization
import Testing

@Suite struct SyncProtocolTests {
    /// Two offices of Rupsha registered at `hub`, with their tokens and replicas.
    static func twoRupshaOffices(_ hub: HubHarness) async throws -> (OfficeReplicas, String, String, Replica, Replica) {
        let tokenA = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
        let tokenB = try await hub.addNode("office-b", offices: ["upazila:rupsha"])
        let offices = try OfficeReplicas()
        return (offices, tokenA, tokenB, try offices.replica("office-a"), try offices.replica("office-b"))
    }

    @Test(arguments: Backend.allCases)
    func pushThenPullRoundTripsIntoAnotherReplica(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let (offices, tokenA, tokenB, a, b) = try await Self.twoRupshaOffices(hub)
            // Keep the directory until the test ends (ARC may end it at last use).
            defer { withExtendedLifetime(offices) {} }
            for i in 1...30 { try a.put("services", id: "s\(i)", Records.service(serial: Int64(i), name: "সেবা \(i)")) }
            try await Application(router: hub.router).test(.router) { client in
                let push = try await client.send(.post, "/v1/push", token: tokenA, json: try Records.pushBody(a).json)
                #expect(push.status == .ok)
                #expect(try PushResponse(json: push.json) == PushResponse(changed: 30, unchanged: 0))

                // Pages of 7: the cursor walks the whole feed.
                var cursor = ""
                var pulled: [ReplicatedRecord] = []
                while true {
                    let page = try await client.send(.get, "/v1/pull?cursor=\(cursor)&limit=7", token: tokenB)
                    if page.status == .noContent { break }
                    let body = try PullResponse(json: page.json)
                    pulled += body.records.map { ReplicatedRecord(collection: $0.collection, id: $0.id, state: $0.state) }
                    try b.apply(body.records.map { ReplicatedRecord(collection: $0.collection, id: $0.id, state: $0.state) }, from: "hub", cursor: body.cursor)
                    cursor = body.cursor
                    if !body.more { break }
                }
                #expect(pulled.count == 30)
                #expect(try a.canonicalDump() == b.canonicalDump(), "Bengali text and states arrive byte-exact")

                // What A pushed is not sent back to A.
                let echo = try await client.send(.get, "/v1/pull", token: tokenA)
                if echo.status == .ok { #expect(try PullResponse(json: echo.json).records.isEmpty) }
            }
        }
    }

    /// An office that asks for the states page (`Accept`) gets the hub's
    /// stored bytes, gzipped like JSON, with the same records, purge-free
    /// cursors and `more` as the JSON pull of the same pages; one that does
    /// not ask (curl, an older setud) gets JSON. Applied, both pulls give a
    /// replica identical to the writer's, Bengali text byte for byte.
    @Test(arguments: Backend.allCases)
    func aStatesPageCarriesWhatTheJSONPageDoes(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let (offices, tokenA, tokenB, a, b) = try await Self.twoRupshaOffices(hub)
            defer { withExtendedLifetime(offices) {} }
            let c = try offices.replica("office-c")
            for i in 1...40 { try a.put("services", id: "s\(i)", Records.service(serial: Int64(i), name: "সেবা \(i) — ফি ৫০ টাকা")) }
            try a.delete("services", id: "s3")
            try await Application(router: hub.router).test(.router) { client in
                #expect(try await client.send(.post, "/v1/push", token: tokenA, json: try Records.pushBody(a).json).status == .ok)
                var cursors = ("", "")
                while true {
                    let states = try await client.send(.get, "/v1/pull?limit=9&cursor=\(cursors.0)", token: tokenB,
                                                       headers: [.accept: "application/vnd.setu.states, application/json;q=0.5", .acceptEncoding: "gzip"])
                    let json = try await client.send(.get, "/v1/pull?limit=9&cursor=\(cursors.1)", token: tokenB)
                    #expect(states.headers[.contentType] == StatesPage.mediaType)
                    #expect(states.headers[.contentEncoding] == "gzip")
                    #expect(json.headers[.contentType] == "application/json; charset=utf-8")
                    var gzipped = states.body
                    let statesPage = try PullPageFormat.decode(Array(try gzipped.decompress(with: .gzip()).readableBytesView),
                                                               contentType: states.headers[.contentType])
                    let jsonPage = try PullResponse(json: json.json)
                    #expect(statesPage.records == jsonPage.records && statesPage.cursor == jsonPage.cursor && statesPage.more == jsonPage.more)
                    try b.apply(statesPage.records, from: "hub", cursor: statesPage.cursor)
                    try c.apply(jsonPage.records, from: "hub", cursor: jsonPage.cursor)
                    cursors = (statesPage.cursor, jsonPage.cursor)
                    if !statesPage.more { break }
                }
                #expect(try b.canonicalDump() == a.canonicalDump())
                #expect(try c.canonicalDump() == a.canonicalDump())
            }
        }
    }

    /// setud asks for the states page and reads whatever the answer's
    /// `Content-Type` says: against a hub that answers JSON only (a release
    /// before the states page, played by dropping `Accept`), it syncs as
    /// before. An office of the release before state format 2 (it asks for
    /// the states page without `version=2`) gets format 1. One office of
    /// each kind; all converge with the writer.
    @Test(arguments: Backend.allCases)
    func setudSyncsWithAHubThatAnswersJSONOnly(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let (offices, tokenA, tokenB, a, b) = try await Self.twoRupshaOffices(hub)
            defer { withExtendedLifetime(offices) {} }
            let tokenC = try await hub.addNode("office-c", offices: ["upazila:rupsha"])
            let c = try offices.replica("office-c")
            let tokenD = try await hub.addNode("office-d", offices: ["upazila:rupsha"])
            let d = try offices.replica("office-d")
            for i in 1...25 { try a.put("services", id: "s\(i)", Records.service(serial: Int64(i), name: "সেবা \(i)")) }
            try await Application(router: hub.router).test(.router) { client in
                let seen = ContentTypes()
                let older = HeaderFilter(inner: RouterTransport(client: client), dropping: "Accept", answers: seen)
                let current = HeaderFilter(inner: RouterTransport(client: client), dropping: nil, answers: seen)
                _ = try await SyncEngine(replica: a, client: HubClient(transport: current, token: tokenA), logger: Logger(label: "json-only-hub")).syncOnce()
                _ = try await SyncEngine(replica: b, client: HubClient(transport: current, token: tokenB), logger: Logger(label: "json-only-hub")).syncOnce()
                let statesAnswers = seen.take()
                _ = try await SyncEngine(replica: c, client: HubClient(transport: older, token: tokenC), logger: Logger(label: "json-only-hub")).syncOnce()
                #expect(statesAnswers.contains(PullPageFormat.states(.current).contentType))
                let jsonAnswers = seen.take()
                #expect(!jsonAnswers.isEmpty && jsonAnswers.allSatisfy { $0 == "application/json; charset=utf-8" })
                let format1 = HeaderFilter(inner: RouterTransport(client: client), dropping: nil, answers: seen, accept: StatesPage.mediaType)
                _ = try await SyncEngine(replica: d, client: HubClient(transport: format1, token: tokenD), logger: Logger(label: "format-1-office")).syncOnce()
                let format1Answers = seen.take()
                #expect(!format1Answers.isEmpty && format1Answers.allSatisfy { $0 == StatesPage.mediaType })
            }
            #expect(try b.canonicalDump() == a.canonicalDump())
            #expect(try c.canonicalDump() == a.canonicalDump())
            #expect(try d.canonicalDump() == a.canonicalDump())
        }
    }

    /// The `Content-Type` of each pull page answered, in order.
    final class ContentTypes: Sendable {
        private let types = Mutex<[String?]>([])
        func note(_ type: String?) { types.withLock { $0.append(type) } }
        func take() -> [String?] { types.withLock { t in defer { t = [] }; return t } }
    }

    /// A transport that drops one request header and notes each pull
    /// answer's `Content-Type`.
    struct HeaderFilter: HubTransport {
        let inner: RouterTransport
        let dropping: String?
        let answers: ContentTypes
        /// An `Accept` sent instead of setud's (an older release's).
        var accept: String? = nil

        func send(_ request: TransportRequest) async throws -> TransportResponse {
            var request = request
            request.headers.removeAll { $0.0 == dropping }
            if let accept {
                request.headers.removeAll { $0.0 == "Accept" }
                request.headers.append(("Accept", accept))
            }
            let response = try await inner.send(request)
            if request.method == "GET", response.status == 200 { answers.note(response.headers["content-type"]) }
            return response
        }
    }

    /// A pull that ends exactly at the feed's head says `more: false`, so a
    /// sync of 14 records in pages of 7 is two requests, not three.
    @Test(arguments: Backend.allCases)
    func aPageEndingAtTheHeadSaysNoMore(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let tokenA = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            let tokenB = try await hub.addNode("office-b", offices: ["upazila:rupsha"])
            let offices = try OfficeReplicas()
            defer { withExtendedLifetime(offices) {} }
            let a = try offices.replica("office-a")
            for i in 1...14 { try a.put("services", id: "s\(i)", Records.service(serial: Int64(i), name: "সেবা \(i)")) }
            try await Application(router: hub.router).test(.router) { client in
                #expect(try await client.send(.post, "/v1/push", token: tokenA, json: try Records.pushBody(a).json).status == .ok)
                let first = try PullResponse(json: try await client.send(.get, "/v1/pull?limit=7", token: tokenB).json)
                #expect(first.records.count == 7 && first.more)
                let second = try PullResponse(json: try await client.send(.get, "/v1/pull?limit=7&cursor=\(first.cursor)", token: tokenB).json)
                #expect(second.records.count == 7)
                #expect(!second.more)
            }
        }
    }

    /// A push that carries the pusher's pull cursor is answered with the
    /// cursor past its own states when nothing else in its offices lay in
    /// between: the pull from there is an idle 204. With another office's
    /// state in between, or states outside its scope, no cursor is offered,
    /// and a bad cursor is refused before anything is stored.
    @Test(arguments: Backend.allCases)
    func aPushAnswerMovesThePushersCursorOnlyPastItsOwnStates(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let (offices, tokenA, tokenB, a, b) = try await Self.twoRupshaOffices(hub)
            defer { withExtendedLifetime(offices) {} }
            let cursorHeader = HTTPField.Name(SyncHeader.cursor)!
            try await Application(router: hub.router).test(.router) { client in
                try a.put("services", id: "a1", Records.service(serial: 1, name: "ক"))
                let first = try await client.send(.post, "/v1/push", token: tokenA, json: try Records.pushBody(a).json, headers: [cursorHeader: "0"])
                let moved = try #require(try PushResponse(json: first.json).cursor)
                #expect(try await client.send(.get, "/v1/pull?cursor=\(moved)", token: tokenA).status == .noContent)
                try a.acknowledgePush(to: "hub", upTo: Int64.max)

                // No cursor sent, no cursor offered (an older node).
                try b.put("services", id: "b1", Records.service(serial: 2, name: "খ"))
                let other = try await client.send(.post, "/v1/push", token: tokenB, json: try Records.pushBody(b).json)
                #expect(try PushResponse(json: other.json).cursor == nil)

                // b's state lies past a's cursor: a is not moved past it.
                try a.put("services", id: "a2", Records.service(serial: 3, name: "গ"))
                let second = try await client.send(.post, "/v1/push", token: tokenA, json: try Records.pushBody(a).json, headers: [cursorHeader: moved])
                #expect(second.status == .ok)
                #expect(try PushResponse(json: second.json).cursor == nil)
                let page = try await client.send(.get, "/v1/pull?cursor=\(moved)", token: tokenA)
                #expect(try PullResponse(json: page.json).records.map(\.id) == ["b1"])

                let bad = try await client.send(.post, "/v1/push", token: tokenA, json: try Records.pushBody(a).json, headers: [cursorHeader: "x"])
                #expect(bad.status == .badRequest)
                #expect(bad.errorCode == "bad_cursor")
            }
        }
    }

    /// Every pull answer, a page or the idle 204, names the caller's
    /// offices (`Setu-Offices`), and follows the hub's changes at once: the
    /// office refuses writes for other offices when they are made, and tries
    /// again what it set aside once one is added.
    @Test(arguments: Backend.allCases)
    func everyPullAnswerNamesTheNodesOffices(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let token = try await hub.addNode("office-a", offices: ["upazila:rupsha", "district:khulna"])
            try await Application(router: hub.router).test(.router) { client in
                let first = try await client.send(.get, "/v1/pull", token: token)
                let name = HTTPField.Name(SyncHeader.offices)!
                let listed = first.headers[name].map(SyncHeader.offices(from:)).map(Set.init)
                #expect(listed == ["upazila:rupsha", "district:khulna"], "\(first.status)")
                #expect(try await hub.storage.updateNode("office-a", AccountChange(offices: ["upazila:rupsha"])))
                let cursor = first.status == .ok ? try PullResponse(json: first.json).cursor : nil
                let idle = try await client.send(.get, "/v1/pull" + (cursor.map { "?cursor=\($0)" } ?? ""), token: token)
                #expect(idle.status == .noContent)
                #expect(idle.headers[name] == "upazila:rupsha")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aReplayedBatchChangesNothingAndIdlePollsAreCheap(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            let reader = try await hub.addNode("office-b", offices: ["upazila:rupsha"])
            let offices = try OfficeReplicas()
            defer { withExtendedLifetime(offices) {} }
            let a = try offices.replica("office-a")
            for i in 1...5 { try a.put("services", id: "s\(i)", Records.service(serial: Int64(i))) }
            let body = try Records.pushBody(a).json
            try await Application(router: hub.router).test(.router) { client in
                _ = try await client.send(.post, "/v1/push", token: token, json: body)
                let head = try await hub.storage.head(offices: ["upazila:rupsha"])
                let replay = try await client.send(.post, "/v1/push", token: token, json: body)
                #expect(try PushResponse(json: replay.json) == PushResponse(changed: 0, unchanged: 5))
                #expect(try await hub.storage.head(offices: ["upazila:rupsha"]) == head)

                let page = try await client.send(.get, "/v1/pull", token: reader)
                let cursor = try PullResponse(json: page.json).cursor
                let idle = try await client.send(.get, "/v1/pull?cursor=\(cursor)", token: reader)
                #expect(idle.status == .noContent)
                #expect(idle.body.readableBytes == 0)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentEditsMergeAtTheHubAndTheMergeGoesBackToBoth(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let tokenA = try await hub.addNode("office-a", offices: ["district:khulna"])
            let tokenB = try await hub.addNode("office-b", offices: ["district:khulna"])
            let offices = try OfficeReplicas()
            // Keep the directory until the test ends (ARC may end it at last use).
            defer { withExtendedLifetime(offices) {} }
            let a = try offices.replica("office-a")
            let b = try offices.replica("office-b")
            let product: [String: FieldValue] = ["office": .text("district:khulna"), "entrepreneur": .text("রহিমা"),
                                                 "title": .text("কাঁথা"), "price_paisa": .int(100_000), "stock": .int(10)]
            try a.put("products", id: "p1", product)
            try await Application(router: hub.router).test(.router) { client in
                func sync(_ replica: Replica, _ token: String) async throws {
                    _ = try await client.send(.post, "/v1/push", token: token, json: try Records.pushBody(replica, for: "hub").json)
                    let page = try await client.send(.get, "/v1/pull?limit=1000", token: token)
                    guard page.status == .ok else { return }
                    let body = try PullResponse(json: page.json)
                    try replica.apply(body.records.map { ReplicatedRecord(collection: $0.collection, id: $0.id, state: $0.state) }, from: "hub")
                }
                try await sync(a, tokenA)
                try await sync(b, tokenB)
                try a.adjust("products", id: "p1", field: "stock", by: -3)
                try a.patch("products", id: "p1", ["title": .text("নকশী কাঁথা")])
                try b.adjust("products", id: "p1", field: "stock", by: 5)
                try b.patch("products", id: "p1", ["title": .text("হাতের কাঁথা")])
                try await sync(a, tokenA)
                try await sync(b, tokenB)
                try await sync(a, tokenA)
                #expect(try a.canonicalDump() == b.canonicalDump())
                #expect(try a.record("products", id: "p1")?.values?["stock"] == .int(12))
                #expect(try a.conflicts().map(\.field) == ["title"])
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func scopeLimitsWhatANodeReadsAndWrites(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let rupsha = try await hub.addNode("office-r", offices: ["upazila:rupsha"])
            let khulna = try await hub.addNode("office-k", offices: ["district:khulna", "all:bangladesh"])
            let offices = try OfficeReplicas()
            // Keep the directory until the test ends (ARC may end it at last use).
            defer { withExtendedLifetime(offices) {} }
            let r = try offices.replica("office-r")
            let k = try offices.replica("office-k")
            try k.put("services", id: "k1", Records.service(office: "district:khulna"))
            try k.put("services", id: "n1", Records.service(office: "all:bangladesh", name: "জাতীয় সেবা"))
            try r.put("services", id: "x1", Records.service(office: "district:khulna"))
            try await Application(router: hub.router).test(.router) { client in
                let foreign = try await client.send(.post, "/v1/push", token: rupsha, json: try Records.pushBody(r).json)
                #expect(foreign.status == .forbidden)
                #expect(foreign.errorCode == "forbidden_records")
                #expect(try ErrorBody(json: foreign.json).records.map(\.id) == ["x1"])

                #expect(try await client.send(.post, "/v1/push", token: khulna, json: try Records.pushBody(k).json).status == .ok)
                let page = try await client.send(.get, "/v1/pull", token: rupsha)
                let seen = try PullResponse(json: page.json).records.map(\.id)
                #expect(seen == ["n1"], "Rupsha reads national records, not Khulna's")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aStateCarryingAnUnseenDotOfAnotherNodeIsRefusedAsForged(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            _ = try await hub.addNode("office-b", offices: ["upazila:rupsha"])
            var forged = RecordState()
            let values = try Collections.services.validate(Records.service(), mode: .whole).values
            forged.write(values, dot: Dot(node: "office-b", time: HLCTimestamp(physicalMillis: hub.clock.now)))
            let body = PushRequest(records: [ReplicatedRecord(collection: "services", id: "s1", state: forged)])
            try await Application(router: hub.router).test(.router) { client in
                let response = try await client.send(.post, "/v1/push", token: token, json: body.json)
                #expect(response.status == .forbidden)
                #expect(try ErrorBody(json: response.json).records.first?.reason.contains("forged") == true)
                #expect(try await hub.storage.head(offices: ["upazila:rupsha"]) == 0)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aClockFarAheadIsRefused(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            var state = RecordState()
            let values = try Collections.services.validate(Records.service(), mode: .whole).values
            state.write(values, dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: hub.clock.now + 30 * 86_400_000)))
            let body = PushRequest(records: [ReplicatedRecord(collection: "services", id: "s1", state: state)])
            try await Application(router: hub.router).test(.router) { client in
                let response = try await client.send(.post, "/v1/push", token: token, json: body.json)
                #expect(response.status == .forbidden)
                #expect(try ErrorBody(json: response.json).records.first?.reason.contains("clock") == true)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func revokedAndWrongTokensAreRefused(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            try await Application(router: hub.router).test(.router) { client in
                #expect(try await client.send(.get, "/v1/pull", token: token).status == .noContent)
                #expect(try await client.send(.get, "/v1/pull", token: nil).status == .unauthorized)
                let wrong = String(token.dropLast()) + (token.hasSuffix("0") ? "1" : "0")
                #expect(try await client.send(.get, "/v1/pull", token: wrong).status == .unauthorized)
                #expect(try await hub.storage.updateNode("office-a", AccountChange(revoked: true)))
                let revoked = try await client.send(.get, "/v1/pull", token: token)
                #expect(revoked.status == .unauthorized)
                #expect(revoked.errorCode == "unauthorized")
            }
        }
    }
}
