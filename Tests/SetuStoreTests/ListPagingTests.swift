import SetuCore
import SetuStore
import Testing

/// Paging over live records never drops one behind deleted ones.
@Suite struct ListPagingTests {
    let dir = TemporaryDirectory()

    func replica(products: Int, deleting deleted: (Int) -> Bool) throws -> Replica {
        let replica = try Replica(path: dir.file("r.sqlite"), node: "office-a")
        try replica.batch { tx in
            for i in 0..<products { try tx.put("products", id: String(format: "p%05d", i), Fixtures.product(stock: 1)) }
        }
        try replica.batch { tx in
            for i in 0..<products where deleted(i) { try tx.delete("products", id: String(format: "p%05d", i)) }
        }
        return replica
    }

    func all(_ replica: Replica, limit: Int) throws -> (ids: [String], pages: Int) {
        var ids: [String] = []
        var after: String?
        var pages = 0
        repeat {
            let page = try replica.list("products", after: after, limit: limit)
            ids += page.records.map(\.id)
            after = page.next
            pages += 1
        } while after != nil
        return (ids, pages)
    }

    @Test func aFullPageOfLiveRecordsBehindManyDeletions() throws {
        // 150 products, the first 80 deleted: a page of 50 holds 50.
        let replica = try replica(products: 150) { $0 < 80 }
        let first = try replica.list("products", after: nil, limit: 50)
        #expect(first.records.count == 50)
        #expect(first.records.first?.id == "p00080")
        #expect(try all(replica, limit: 50).ids.count == 70)
    }

    @Test func everyLiveRecordAcrossPagesWhateverIsDeleted() throws {
        // 2,500 products, 1,500 deleted in runs: every one of the 1,000 live ones, once, in order.
        let replica = try replica(products: 2_500) { ($0 / 300) % 2 == 0 || $0 % 3 == 0 && $0 < 2_000 }
        let live = (0..<2_500).filter { !(($0 / 300) % 2 == 0 || $0 % 3 == 0 && $0 < 2_000) }.map { String(format: "p%05d", $0) }
        for limit in [1, 7, 100, 1_000] {
            let read = try all(replica, limit: limit)
            #expect(read.ids == live, "limit \(limit)")
        }
    }
}
