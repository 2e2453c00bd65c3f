import SetuCore
import SetuStore
import Testing

/// A product sold past zero (online and at the centre) is counted and
/// listed from the plain table's partial index, whoever took it there:
/// a sale merged from the hub, a local adjustment, or office software's SQL.
@Suite struct OversoldTests {
    let dir = TemporaryDirectory()

    @Test func productsBelowZeroAreCountedAndListedUntilRestocked() throws {
        let path = dir.file("r.sqlite")
        let centre = try Replica(path: path, node: "khulna-dc")
        try centre.put("products", id: "p1", Fixtures.product(stock: 2))
        try centre.put("products", id: "p2", Fixtures.product(stock: 2))
        try centre.put("products", id: "p3", Fixtures.product(stock: 0))
        #expect(try centre.summary(for: "hub").oversold == 0)
        #expect(try centre.oversold().isEmpty)

        // An online sale merged in: the integration's own decrement.
        var state = try #require(try centre.record("products", id: "p1")).state
        var stock = state.counters["stock"]!
        stock.adjust(by: -3, at: "integration:ecom")
        state.counters["stock"] = stock
        try centre.apply([ReplicatedRecord(collection: "products", id: "p1", state: state)], from: "hub")
        // A sale over the counter, and one typed straight into SQLite.
        try centre.adjust("products", id: "p2", field: "stock", by: -5)
        try sqlite3(path, "UPDATE products SET stock = -1 WHERE id = 'p3';")
        try centre.stampOutsideWrites()

        #expect(try centre.summary(for: "hub").oversold == 3)
        let listed = try centre.oversold()
        #expect(listed.map(\.id) == ["p1", "p2", "p3"])
        #expect(listed.map(\.stock) == [-1, -3, -1])
        #expect(listed[0].contributions == [.init(node: "integration:ecom", net: -3), .init(node: "khulna-dc", net: 2)])
        #expect(try sqlite3(path, "EXPLAIN QUERY PLAN SELECT count(*) FROM products WHERE stock < 0;").output.contains("setu_products_oversold"))

        // Restocked, recounted, deleted: none is oversold any more.
        try centre.adjust("products", id: "p1", field: "stock", by: 1)
        try centre.patch("products", id: "p2", ["stock": .int(0)])
        try centre.delete("products", id: "p3")
        #expect(try centre.summary(for: "hub").oversold == 0)
        #expect(try centre.oversold().isEmpty)
    }
}
