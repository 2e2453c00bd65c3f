import SetuCore
import SetuStore
import Testing

/// A local change that takes a counter past its bounds is refused when it is
/// made, and changes nothing.
@Suite struct CounterBoundsTests {
    let dir = TemporaryDirectory()

    @Test func anAdjustmentPastTheBoundIsRefusedAndChangesNothing() throws {
        let replica = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        try replica.put("products", id: "p1", Fixtures.product(stock: 10))
        #expect(throws: ValidationError.self) { try replica.adjust("products", id: "p1", field: "stock", by: .max) }
        #expect(throws: ValidationError.self) { try replica.adjust("products", id: "p1", field: "stock", by: .min) }
        #expect(throws: ValidationError.self) { try replica.patch("products", id: "p1", ["stock": .int(.min)]) }
        #expect(try replica.record("products", id: "p1")?.values?["stock"] == .int(10))
        try replica.adjust("products", id: "p1", field: "stock", by: 1_000_000_000_000_000 - 10)
        #expect(try replica.record("products", id: "p1")?.values?["stock"] == .int(1_000_000_000_000_000))
    }

    @Test func anSQLWritePastTheBoundIsSetAsideAndTheRowRestored() throws {
        let path = dir.file("r.sqlite")
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("products", id: "p1", Fixtures.product(stock: 10))
        try sqlite3(path, "UPDATE products SET stock = -9223372036854775808 WHERE id = 'p1';")
        try replica.stampOutsideWrites()
        #expect(try replica.record("products", id: "p1")?.values?["stock"] == .int(10))
        #expect(try sqlite3(path, "SELECT stock FROM products WHERE id = 'p1';").output == "10\n")
        #expect(try sqlite3(path, "SELECT count(*) FROM setu_rejects WHERE reason LIKE '%stock%';").output == "1\n")
    }
}
