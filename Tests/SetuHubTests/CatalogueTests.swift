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
import Testing

/// The catalogue as an outside platform sees it: resolved products out,
/// sales in, on both backends, with every refusal it can meet.
@Suite struct CatalogueTests {
    static func product(_ office: String = "district:khulna", title: String, price: Int64 = 45_000, stock: Int64 = 10,
                        listed: Bool = true) -> [String: FieldValue] {
        ["office": .text(office), "entrepreneur": .text("সালমা বেগম"), "title": .text(title), "price_paisa": .int(price),
         "stock": .int(stock), "unit": .text("পিস"), "listed": .bool(listed)]
    }

    /// Pushes everything `replica` holds that the hub lacks.
    static func push(_ replica: Replica, _ token: String, _ client: some TestClientProtocol) async throws {
        let response = try await client.send(.post, "/v1/push", token: token, json: try Records.pushBody(replica, for: "hub").json)
        #expect(response.status == .ok, "\(String(buffer: response.body))")
    }

    /// Every page of the catalogue feed from `cursor`, and the cursor it ends at.
    static func readAll(_ client: some TestClientProtocol, _ token: String, from cursor: String = "0", limit: Int = 200) async throws -> ([JSONValue], String) {
        var cursor = cursor
        var entries: [JSONValue] = []
        while true {
            let page = try await client.send(.get, "/v1/catalogue/changes?cursor=\(cursor)&limit=\(limit)", token: token)
            #expect(page.status == .ok, "\(String(buffer: page.body))")
            let json = try page.json
            guard case .array(let changes)? = json["changes"], case .string(let next)? = json["cursor"] else { throw CatalogueTestError("bad page \(json)") }
            entries += changes
            cursor = next
            if json["more"] != .bool(true) { return (entries, cursor) }
        }
    }

    static func sale(_ order: String, _ product: String, _ quantity: Int64) -> JSONValue {
        .object([("order_id", .string(order)), ("product_id", .string(product)), ("quantity", .int(quantity))])
    }

    /// A hub on `backend` with the Khulna display centre (node `khulna-dc`,
    /// its replica, its token) and the `ecom` integration (its token), for
    /// the length of `body`.
    static func withCentre(_ backend: Backend, _ body: @Sendable (HubHarness, _ office: String, _ integration: String, Replica) async throws -> Void) async throws {
        try await HubHarness.with(backend) { hub in
            let office = try await hub.addNode("khulna-dc", offices: ["district:khulna"])
            let token = try await hub.addIntegration("ecom", offices: ["district:khulna"])
            let replicas = try OfficeReplicas()
            defer { withExtendedLifetime(replicas) {} }
            try await body(hub, office, token, try replicas.replica("khulna-dc"))
        }
    }

    @Test(arguments: Backend.allCases)
    func theFeedShowsResolvedProductsOfItsOfficesOnlyAndResumesByCursor(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let office = try await hub.addNode("khulna-dc", offices: ["district:khulna", "all:bangladesh"])
            let other = try await hub.addNode("jessore-dc", offices: ["district:jessore"])
            let token = try await hub.addIntegration("ecom", offices: ["district:khulna"])
            let replicas = try OfficeReplicas()
            defer { withExtendedLifetime(replicas) {} }
            let khulna = try replicas.replica("khulna-dc")
            let jessore = try replicas.replica("jessore-dc")
            for i in 1...25 { try khulna.put("products", id: "p\(i)", Self.product(title: "নকশী কাঁথা \(i)", price: 1_000 * Int64(i), stock: Int64(i))) }
            try khulna.put("products", id: "national-1", Self.product("all:bangladesh", title: "জাতীয় পণ্য"))
            try khulna.put("services", id: "s1", Records.service(office: "district:khulna"))
            try khulna.put("requests", id: "r1", ["office": .text("district:khulna"), "service_id": .text("s1"), "applicant_name": .text("রহিম"),
                                                   "applicant_phone": .text("+8801711000000"), "submitted_at": .text("2026-11-30T10:00:00Z"),
                                                   "status": .text("submitted")])
            try jessore.put("products", id: "j1", Self.product("district:jessore", title: "খেজুরের গুড়"))
            try await Application(router: hub.router).test(.router) { client in
                try await Self.push(khulna, office, client)
                try await Self.push(jessore, other, client)

                // Pages of 7 walk all 26 products of its scope, no service, request or other office's product.
                let (entries, cursor) = try await Self.readAll(client, token, limit: 7)
                #expect(entries.count == 26)
                #expect(Set(entries.compactMap { if case .string(let id)? = $0["id"] { id } else { nil } }) == Set((1...25).map { "p\($0)" } + ["national-1"]))
                let p3 = try #require(entries.first { $0["id"] == .string("p3") })
                #expect(p3["title"] == .string("নকশী কাঁথা 3"), "Bengali byte-exact")
                #expect(p3["price_paisa"] == .int(3_000) && p3["stock"] == .int(3) && p3["listed"] == .bool(true))
                #expect(p3["office"] == .string("district:khulna") && p3["deleted"] == .bool(false) && p3["oversold"] == .bool(false))
                #expect(p3["hold"] == .bool(false) && p3["conflicts"] == .array([]))
                #expect(p3["vector"] == nil && p3["fields"] == nil, "no replication state")

                // Nothing new: an empty page that keeps the cursor.
                let idle = try await client.send(.get, "/v1/catalogue/changes?cursor=\(cursor)", token: token)
                let idleJSON = try idle.json
                #expect(idleJSON["changes"] == .array([]) && idleJSON["cursor"] == .string(cursor))

                // A deletion and an edit come after the cursor, in the order made.
                try khulna.delete("products", id: "p2")
                try khulna.patch("products", id: "p5", ["price_paisa": .int(5_500)])
                try await Self.push(khulna, office, client)
                let (changes, _) = try await Self.readAll(client, token, from: cursor)
                #expect(changes.count == 2)
                #expect(changes.first == .object([("id", .string("p2")), ("office", .string("district:khulna")), ("deleted", .bool(true))]))
                #expect(changes.last?["price_paisa"] == .int(5_500))

                // gzip when asked, for a page worth it.
                let zipped = try await client.send(.get, "/v1/catalogue/changes", token: token, headers: [.acceptEncoding: "gzip"])
                #expect(zipped.headers[.contentEncoding] == "gzip")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aConcurrentTitleOrPriceHoldsTheProduct(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let a = try await hub.addNode("khulna-dc", offices: ["district:khulna"])
            let b = try await hub.addNode("khulna-dc-2", offices: ["district:khulna"])
            let token = try await hub.addIntegration("ecom", offices: ["district:khulna"])
            let replicas = try OfficeReplicas()
            defer { withExtendedLifetime(replicas) {} }
            let one = try replicas.replica("khulna-dc")
            let two = try replicas.replica("khulna-dc-2")
            try one.put("products", id: "p1", Self.product(title: "পাটের ব্যাগ"))
            try one.put("products", id: "p2", Self.product(title: "মাটির হাঁড়ি"))
            try await Application(router: hub.router).test(.router) { client in
                try await Self.push(one, a, client)
                let pulled = try PullResponse(json: try await client.send(.get, "/v1/pull", token: b).json)
                try two.apply(pulled.records, from: "hub", cursor: pulled.cursor)
                // Concurrent: a price at one, another price at the other; a category (not held) on p2.
                try one.patch("products", id: "p1", ["price_paisa": .int(50_000)])
                try two.patch("products", id: "p1", ["price_paisa": .int(40_000)])
                try one.patch("products", id: "p2", ["category": .text("মৃৎশিল্প")])
                try two.patch("products", id: "p2", ["category": .text("হস্তশিল্প")])
                try await Self.push(one, a, client)
                try await Self.push(two, b, client)
                let (entries, _) = try await Self.readAll(client, token)
                let p1 = try #require(entries.first { $0["id"] == .string("p1") })
                let p2 = try #require(entries.first { $0["id"] == .string("p2") })
                #expect(p1["hold"] == .bool(true) && p1["conflicts"] == .array([.string("price_paisa")]), "\(p1)")
                #expect(p2["hold"] == .bool(false) && p2["conflicts"] == .array([.string("category")]), "\(p2)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aSaleIsTheIntegrationsOwnStockDecrementAndCountsOnce(_ backend: Backend) async throws {
        try await Self.withCentre(backend) { hub, office, token, khulna in
            try khulna.put("products", id: "nakshi-1", Self.product(title: "নকশী কাঁথা", stock: 5))
            try await Application(router: hub.router).test(.router) { client in
                try await Self.push(khulna, office, client)
                let first = try await client.send(.post, "/v1/catalogue/sales", token: token, json: Self.sale("EC-1001", "nakshi-1", 3))
                #expect(first.status == .created)
                #expect(try first.json == .object([("order_id", .string("EC-1001")), ("product_id", .string("nakshi-1")), ("quantity", .int(3)),
                                                   ("duplicate", .bool(false)), ("stock", .int(2)), ("oversold", .bool(false))]))
                // The same order again (a retry after a lost answer): counted once.
                let again = try await client.send(.post, "/v1/catalogue/sales", token: token, json: Self.sale("EC-1001", "nakshi-1", 3))
                let againJSON = try again.json
                #expect(again.status == .ok && againJSON["duplicate"] == .bool(true) && againJSON["stock"] == .int(2))
                // The same order id for another sale is refused, naming the first.
                let clash = try await client.send(.post, "/v1/catalogue/sales", token: token, json: Self.sale("EC-1001", "nakshi-1", 1))
                #expect(clash.status == .conflict && clash.errorCode == "order_conflict")

                // At the hub: a decrement under the integration's node, nothing else touched.
                let stored = try #require(try await hub.storage.storedState(of: RecordKey(collection: "products", id: "nakshi-1")))
                #expect(stored.state.counters["stock"]?.totals["integration:ecom"] == PNCounter.Totals(increments: 0, decrements: 3))
                #expect(stored.state.vector.entries.keys.sorted() == ["khulna-dc"], "a sale is a counter move, not a write of fields")

                // The office pulls it, sells 4 the same day offline, and pushes: both count, stock -2, oversold.
                let page = try PullResponse(json: try await client.send(.get, "/v1/pull", token: office).json)
                try khulna.apply(page.records, from: "hub", cursor: page.cursor)
                #expect(try khulna.record("products", id: "nakshi-1")?.values?["stock"] == .int(2))
                try khulna.adjust("products", id: "nakshi-1", field: "stock", by: -4)
                try await Self.push(khulna, office, client)
                let (entries, _) = try await Self.readAll(client, token)
                let entry = try #require(entries.first { $0["id"] == .string("nakshi-1") })
                #expect(entry["stock"] == .int(-2) && entry["oversold"] == .bool(true), "\(entry)")
                #expect(try khulna.oversold().map(\.stock) == [-2])
                #expect(try khulna.oversold().first?.contributions.map(\.net) == [-3, 1], "integration:ecom sold 3; the centre 5 less 4")

                // A sale below zero is still taken: it happened.
                let over = try await client.send(.post, "/v1/catalogue/sales", token: token, json: Self.sale("EC-1002", "nakshi-1", 1))
                let overJSON = try over.json
                #expect(over.status == .created && overJSON["stock"] == .int(-3) && overJSON["oversold"] == .bool(true))
                let metrics = String(buffer: try await client.send(.get, "/metrics", token: nil).body)
                #expect(metrics.contains("setu_hub_catalogue_sales_total 2") && metrics.contains("setu_hub_catalogue_oversold_sales_total 1"), "\(metrics)")
            }
        }
    }

    /// A platform that retries on a timeout may send the same order twice
    /// at once: it still counts once, and distinct orders all count.
    @Test(arguments: Backend.allCases)
    func theSameOrderSentManyTimesAtOnceCountsOnce(_ backend: Backend) async throws {
        try await Self.withCentre(backend) { hub, office, token, khulna in
            try khulna.put("products", id: "p1", Self.product(title: "পাটের ব্যাগ", stock: 100))
            // In process (.router): each request runs at once, none queued
            // behind another on one connection as the live test client does.
            try await Application(router: hub.router).test(.router) { client in
                try await Self.push(khulna, office, client)
                // 12 copies of one order and 8 other orders, all in flight together.
                let orders = Array(repeating: "EC-SAME", count: 12) + (1...8).map { "EC-\($0)" }
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for order in orders {
                        group.addTask { try await client.send(.post, "/v1/catalogue/sales", token: token, json: Self.sale(order, "p1", 2)).status }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == .created }.count == 9, "\(statuses)")
                #expect(statuses.filter { $0 == .ok }.count == 11, "\(statuses)")
            }
            let stored = try #require(try await hub.storage.storedState(of: RecordKey(collection: "products", id: "p1")))
            let stock: Int64 = stored.state.counters["stock"]?.value ?? 0
            #expect(stock == 100 - 9 * 2)
        }
    }

    /// Sales from many tasks at once, while the platform follows the feed
    /// the whole time: once drained, the newest entry it saw of every
    /// product is the stock the hub holds (no late commit skipped).
    @Test(arguments: Backend.allCases)
    func aFollowerOfTheFeedEndsAtTheExactStockWhileSalesRun(_ backend: Backend) async throws {
        try await Self.withCentre(backend) { hub, office, token, khulna in
            let integration = try #require(try await hub.storage.integrationCredentials(of: "ecom")).integration
            let catalogue = CatalogueService(storage: hub.storage, metrics: hub.metrics, now: { hub.clock.now })
            let products = (1...4).map { "p\($0)" }
            for id in products { try khulna.put("products", id: id, Self.product(title: "পণ্য \(id)", stock: 1_000)) }
            try await Application(router: hub.router).test(.router) { client in try await Self.push(khulna, office, client) }
            let finished = DoneFlag()
            let selling = Task {
                defer { finished.set() }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for seller in 0..<4 {
                        group.addTask {
                            for n in 0..<12 {
                                let sale = CatalogueSale(orderID: "EC-\(seller)-\(n)", productID: products[(seller + n) % 4], quantity: Int64(1 + n % 3))
                                _ = try await catalogue.record(sale, by: integration, logger: Logger(label: "t"))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            var cursor: String? = nil
            var latest: [String: Int64] = [:]
            var drainedAfterSales = false
            while !drainedAfterSales {
                let salesOver = finished.isSet
                var more = true
                var empty = true
                while more {
                    let page = try await catalogue.changes(for: integration, cursor: cursor, limit: "5")
                    for entry in page.entries { latest[entry.id] = entry.stock }
                    cursor = String(page.cursor)
                    more = page.more
                    empty = empty && page.entries.isEmpty
                }
                drainedAfterSales = salesOver
                // Nothing new yet: poll again shortly, as a platform would,
                // without spinning a core the sellers need.
                if empty && !salesOver { try await Task.sleep(for: .milliseconds(10)) }
            }
            try await selling.value
            for id in products {
                let stored = try #require(try await hub.storage.storedState(of: RecordKey(collection: "products", id: id)))
                let stock: Int64 = stored.state.counters["stock"]?.value ?? 0
                #expect(latest[id] == stock, "\(id)")
            }
            let sold: Int64 = (0..<4).reduce(0) { total, _ in total + (0..<12).reduce(0) { $0 + Int64(1 + $1 % 3) } }
            #expect(products.reduce(Int64(0)) { $0 + (latest[$1] ?? 0) } == 4 * 1_000 - sold)
        }
    }

    @Test(arguments: Backend.allCases)
    func hostileSalesAreRefusedWithTheReasonAndChangeNothing(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let khulnaToken = try await hub.addNode("khulna-dc", offices: ["district:khulna"])
            let jessoreToken = try await hub.addNode("jessore-dc", offices: ["district:jessore"])
            let token = try await hub.addIntegration("ecom", offices: ["district:khulna"])
            let replicas = try OfficeReplicas()
            defer { withExtendedLifetime(replicas) {} }
            let khulna = try replicas.replica("khulna-dc")
            let jessore = try replicas.replica("jessore-dc")
            try khulna.put("products", id: "p1", Self.product(title: "পাটের ব্যাগ", stock: 40))
            try khulna.put("products", id: "draft", Self.product(title: "নতুন", listed: false))
            try khulna.put("products", id: "gone", Self.product(title: "পুরনো"))
            try khulna.delete("products", id: "gone")
            try jessore.put("products", id: "j1", Self.product("district:jessore", title: "খেজুরের গুড়"))
            try await Application(router: hub.router).test(.router) { client in
                try await Self.push(khulna, khulnaToken, client)
                try await Self.push(jessore, jessoreToken, client)
                let (before, cursor) = try await Self.readAll(client, token)
                func refused(_ body: [UInt8], _ status: HTTPResponse.Status, _ code: String, headers: HTTPFields = [:]) async throws {
                    let response = try await client.send(.post, "/v1/catalogue/sales", token: token, raw: body, headers: headers)
                    #expect(response.status == status && response.errorCode == code, "\(String(decoding: body.prefix(80), as: UTF8.self)): \(response.status) \(String(buffer: response.body))")
                }
                func refused(_ json: JSONValue, _ status: HTTPResponse.Status, _ code: String) async throws {
                    try await refused(JSONWriter.write(json), status, code)
                }
                try await refused(Self.sale("EC-1", "nowhere", 1), .notFound, "unknown_product")
                try await refused(Self.sale("EC-2", "j1", 1), .notFound, "unknown_product")
                #expect(!before.contains { $0["id"] == .string("j1") })
                try await refused(Self.sale("EC-3", "draft", 1), .conflict, "product_unlisted")
                try await refused(Self.sale("EC-4", "gone", 1), .conflict, "product_deleted")
                try await refused(Self.sale("EC-5", "p1", 0), .unprocessableContent, "invalid_sale")
                try await refused(Self.sale("EC-6", "p1", -5), .unprocessableContent, "invalid_sale")
                try await refused(Self.sale("EC-7", "p1", 1_000_000_000_000_000), .unprocessableContent, "invalid_sale")
                try await refused(Self.sale("", "p1", 1), .unprocessableContent, "invalid_sale")
                try await refused(Self.sale(String(repeating: "9", count: 101), "p1", 1), .unprocessableContent, "invalid_sale")
                try await refused(Self.sale("EC 8", "p1", 1), .unprocessableContent, "invalid_sale")
                try await refused(Self.sale("অর্ডার-৯", "p1", 1), .unprocessableContent, "invalid_sale")
                try await refused(.object([("order_id", .int(10)), ("product_id", .string("p1")), ("quantity", .int(1))]), .badRequest, "bad_request")
                try await refused(.object([("order_id", .string("EC-11")), ("product_id", .string("p1")), ("quantity", .string("1"))]), .badRequest, "bad_request")
                try await refused(.object([("order_id", .string("EC-12")), ("product_id", .string("p1"))]), .badRequest, "bad_request")
                try await refused(.object([("order_id", .string("EC-13")), ("product_id", .string("p1")), ("quantity", .int(1)), ("price", .int(1))]), .badRequest, "bad_request")
                try await refused(.array([Self.sale("EC-14", "p1", 1)]), .badRequest, "bad_request")
                try await refused(Array(#"{"order_id": "EC-15", "#.utf8), .badRequest, "bad_json")
                try await refused([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D], .badRequest, "bad_json")
                try await refused(Array(#"{"order_id":"EC-16","product_id":"p1","quantity":1,"pad":""#.utf8) + Array(repeating: 0x61, count: 10_000) + Array(#""}"#.utf8),
                                  .contentTooLarge, "body_too_large")
                try await refused(JSONWriter.write(Self.sale("EC-17", "p1", 1)), .unsupportedMediaType, "unsupported_media_type", headers: [.contentType: "text/plain"])

                // Nothing changed: no entry after the cursor, p1 still at 40.
                let (after, _) = try await Self.readAll(client, token, from: cursor)
                #expect(after.isEmpty, "\(after)")
                #expect(before.first { $0["id"] == .string("p1") }?["stock"] == .int(40))
                // The refused order ids were not kept: a good sale under one of them is taken.
                let ok = try await client.send(.post, "/v1/catalogue/sales", token: token, json: Self.sale("EC-5", "p1", 2))
                let okJSON = try ok.json
                #expect(ok.status == .created && okJSON["stock"] == .int(38))

                // Given Jessore too, it reads and sells Jessore's product from the next request on.
                #expect(try await hub.storage.updateIntegration("ecom", AccountChange(offices: ["district:khulna", "district:jessore"])))
                let (all, _) = try await Self.readAll(client, token)
                #expect(all.contains { $0["id"] == .string("j1") })
                #expect(try await client.send(.post, "/v1/catalogue/sales", token: token, json: Self.sale("EC-2", "j1", 1)).status == .created)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func onlyAnIntegrationTokenWithTheRightPermissionOpensTheCatalogue(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let node = try await hub.addNode("khulna-dc", offices: ["district:khulna"])
            let reader = try await hub.addIntegration("reader", offices: ["district:khulna"], read: true, sell: false)
            let seller = try await hub.addIntegration("seller", offices: ["district:khulna"], read: false, sell: true)
            let revoked = try await hub.addIntegration("old", offices: ["district:khulna"])
            #expect(try await hub.storage.updateIntegration("old", AccountChange(revoked: true)))
            let rotated = try await hub.addIntegration("ecom", offices: ["district:khulna"])
            let (fresh, hash) = PrefixedToken.integration.generate(for: "ecom")
            #expect(try await hub.storage.updateIntegration("ecom", AccountChange(tokenHash: hash)))
            let sale = JSONWriter.write(Self.sale("EC-1", "p1", 1))
            try await Application(router: hub.router).test(.router) { client in
                for bad in [nil, node, revoked, rotated, "integration.ecom.\(String(repeating: "0", count: 64))", "integration.ecom", "admin.ecom.\(String(repeating: "0", count: 64))"] {
                    #expect(try await client.send(.get, "/v1/catalogue/changes", token: bad).status == .unauthorized, "\(bad ?? "none")")
                    #expect(try await client.send(.post, "/v1/catalogue/sales", token: bad, raw: sale).status == .unauthorized, "\(bad ?? "none")")
                }
                #expect(try await client.send(.get, "/v1/catalogue/changes", token: reader).status == .ok)
                let cannotSell = try await client.send(.post, "/v1/catalogue/sales", token: reader, raw: sale)
                #expect(cannotSell.status == .forbidden && cannotSell.errorCode == "forbidden")
                #expect(try await client.send(.get, "/v1/catalogue/changes", token: seller).status == .forbidden)
                #expect(try await client.send(.post, "/v1/catalogue/sales", token: seller, raw: sale).status == .notFound)
                #expect(try await client.send(.get, "/v1/catalogue/changes", token: fresh).status == .ok)
                // An integration token is not a node's: no pull, no push, no fleet.
                #expect(try await client.send(.get, "/v1/pull", token: fresh).status == .unauthorized)
                #expect(try await client.send(.post, "/v1/push", token: fresh, json: .object([("records", .array([]))])).status == .unauthorized)
                #expect(try await client.send(.get, "/v1/admin/summary", token: fresh).status == .unauthorized)
                #expect(try await client.send(.get, "/v1/catalogue/changes?cursor=-1", token: fresh).status == .badRequest)
                #expect(try await client.send(.get, "/v1/catalogue/changes?limit=0", token: fresh).status == .badRequest)
                #expect(try await client.send(.put, "/v1/catalogue/sales", token: fresh).status == .methodNotAllowed)
            }
            let listed = try await hub.storage.integrations()
            #expect(listed.map(\.name) == ["ecom", "old", "reader", "seller"])
            #expect(listed.map(\.revoked) == [false, true, false, false])
            do {
                _ = try await hub.addIntegration("ecom", offices: ["district:jessore"])
                Issue.record("a second ecom was added")
            } catch let error as HubStorageError {
                #expect(error.description.contains("exists already"))
            }
        }
    }

    /// An office cannot count sales in the platform's name: a pushed state
    /// with more integration decrements than the hub holds is forged.
    @Test(arguments: Backend.allCases)
    func anOfficeCannotForgeTheIntegrationsSales(_ backend: Backend) async throws {
        try await Self.withCentre(backend) { hub, office, token, khulna in
            try khulna.put("products", id: "p1", Self.product(title: "পাটের ব্যাগ"))
            try await Application(router: hub.router).test(.router) { client in
                try await Self.push(khulna, office, client)
                var state = try #require(try khulna.record("products", id: "p1")).state
                var stock = state.counters["stock"]!
                stock.adjust(by: -7, at: "integration:ecom")
                state.counters["stock"] = stock
                let forged = PushRequest(records: [ReplicatedRecord(collection: "products", id: "p1", state: state)])
                let response = try await client.send(.post, "/v1/push", token: office, json: forged.json)
                #expect(response.status == .forbidden && String(buffer: response.body).contains("forged counter"))
            }
        }
    }
}

/// Set once, read from any task.
final class DoneFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func set() { lock.withLock { done = true } }
    var isSet: Bool { lock.withLock { done } }
}

struct CatalogueTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension HubHarness {
    /// Registers an integration and returns its bearer token.
    func addIntegration(_ name: String, offices: [String], read: Bool = true, sell: Bool = true) async throws -> String {
        let (token, hash) = PrefixedToken.integration.generate(for: name)
        try await storage.addIntegration(HubIntegration(name: name, offices: offices, canRead: read, canSell: sell, createdAtMillis: 0, revoked: false),
                                         tokenHash: hash)
        return token
    }
}
