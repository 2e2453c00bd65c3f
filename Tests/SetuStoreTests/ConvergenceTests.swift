import Foundation
import GRDB
import PropertyBased
import SetuCore
import SetuStore
import SetuTestSupport
import Testing

/// Five real SQLite replicas play a random program of writes (engine API and
/// SQL from another connection), exchange states over a network that
/// reorders and duplicates, then do a full exchange. Afterwards every replica
/// must dump byte-identical text, list the same conflicts, and have lost no
/// write.
@Suite struct ConvergenceTests {
    /// At least 1,000 in CI; `SETU_PROPERTY_CASES` lowers it for a quick local run.
    static let cases = ProcessInfo.processInfo.environment["SETU_PROPERTY_CASES"].flatMap(Int.init) ?? 1_000

    /// Shrinking is off: each attempt replays a whole case on five files, and
    /// the printed seed (`.fixedSeed(…)`) replays a failure exactly anyway.
    @Test(.shrinking(false)) func replicasConvergeAndLoseNoWrite() async throws {
        let counter = CaseCounter()
        await propertyCheck(count: Self.cases, input: Gen.uint64().array(of: 5...50)) { (program: [UInt64]) async throws in
            // A case is synchronous SQLite work: let the rest of the suite
            // have the cooperative threads between cases (two cores, two threads).
            await Task.yield()
            counter.increment()
            let world = try World(replicaCount: 5)
            for word in program { try world.step(word) }
            try world.exchangeEverything()
            try world.checkConverged()
        }
        #expect(counter.value == Self.cases)
    }

    /// The same with the sibling cap lowered to 2, so five replicas reach it
    /// often: merge then cap must still converge, and a write may only be
    /// gone by the cap's own rule.
    @Test(.shrinking(false)) func replicasConvergeUnderTheSiblingCap() async throws {
        let counter = CaseCounter()
        let capped = [Schema](repeating: Schema.current.withSiblingCap(2), count: 5)
        await propertyCheck(count: Self.cases, input: Gen.uint64().array(of: 5...50)) { (program: [UInt64]) async throws in
            await Task.yield()
            counter.increment()
            let world = try World(replicaCount: 5, schemas: capped)
            for word in program { try world.step(word) }
            try world.exchangeEverything()
            try world.checkConverged()
        }
        #expect(counter.value == Self.cases)
    }
}

/// One generated scenario.
final class World {
    let dir = TemporaryDirectory()
    let clock = ManualClock()
    private(set) var replicas: [Replica]
    /// A second SQLite connection per replica file: the "office software".
    let outside: [DatabaseQueue]
    var inbox: [(to: Int, records: [ReplicatedRecord])] = []
    var receipts: [WriteReceipt] = []
    static let serviceIDs = ["s0", "s1", "s2"]
    static let productIDs = ["p0", "p1"]
    static let stallIDs = ["st0", "st1"]

    /// `schemas` gives each replica the schema it speaks (all the current
    /// one by default): a mixed fleet when some speak a newer one.
    init(replicaCount: Int, schemas: [Schema]? = nil) throws {
        var replicas: [Replica] = []
        var outside: [DatabaseQueue] = []
        for i in 0..<replicaCount {
            let path = dir.file("n\(i).sqlite")
            let schema = schemas?[i] ?? .current
            try ReplicaTemplate.write(to: path, node: NodeID(rawValue: "n\(i)")!, schema: schema)
            replicas.append(try World.open(path, i, schema: schema, clock: clock))
            outside.append(try DatabaseQueue(path: path))
        }
        self.replicas = replicas
        self.outside = outside
    }

    private static func open(_ path: String, _ i: Int, schema: Schema, clock: ManualClock) throws -> Replica {
        // Clocks disagree by up to a few seconds, some behind the others.
        let skew = UInt64(i) * 1_500
        return try Replica(path: path, node: NodeID(rawValue: "n\(i)")!, options: ReplicaOptions(schema: schema, now: { clock.now - skew }))
    }

    /// Opens replica `i`'s file again with `schema`, as an upgraded setud would.
    func upgrade(_ i: Int, to schema: Schema) throws {
        replicas[i] = try World.open(replicas[i].path, i, schema: schema, clock: clock)
    }

    func step(_ word: UInt64) throws {
        clock.now += (word >> 56) % 3 // often the same millisecond
        let r = Int((word >> 3) % UInt64(replicas.count))
        let replica = replicas[r]
        let service = World.serviceIDs[Int((word >> 8) % 3)]
        let product = World.productIDs[Int((word >> 10) % 2)]
        let value = ["ক", "খ", "গ", "ঘ"][Int((word >> 12) % 4)]
        let live = { (c: String, id: String) in (try replica.record(c, id: id))?.values != nil }
        // A newer release's writes, where this replica speaks it.
        let newer = replica.schema.named("stalls") != nil && (word >> 40) % 3 == 0
        let stall = World.stallIDs[Int((word >> 42) % 2)]
        // Outside writes left unstamped are stamped here, before the next
        // engine write would stamp them, so their receipts are counted; a
        // feed read (5, 6) does not stamp.
        // (A write whose record is not live falls through to the delivery.)
        if ![4, 5, 6].contains(word % 10) {
            receipts += try replica.stampOutsideWrites()
            if !inbox.isEmpty { receipts += try replicas[inbox[Int((word >> 20) % UInt64(inbox.count))].to].stampOutsideWrites() }
        }
        switch word % 10 {
        case 0 where newer:
            receipts.append(try replica.put("stalls", id: stall, ["office": .text("district:khulna"), "name": .text("স্টল " + value),
                                                                  "visitors": .int(Int64((word >> 14) % 4))]))
        case 1 where try newer && live("products", product):
            receipts.append(try replica.patch("products", id: product, ["weight_grams": .int(Int64((word >> 14) % 900))]))
        case 3 where try newer && live("stalls", stall):
            receipts.append(try replica.adjust("stalls", id: stall, field: "visitors", by: Int64((word >> 14) % 5)))
        case 0:
            receipts.append(try replica.put("services", id: service, Fixtures.service(serial: Int64((word >> 14) % 5 + 1), name: value)))
        case 1 where try live("services", service):
            let field = (word >> 14) % 2 == 0 ? "name" : "fee"
            receipts.append(try replica.patch("services", id: service, [field: .text(value)]))
        case 2 where try live("services", service):
            receipts.append(try replica.delete("services", id: service))
        case 3:
            if try live("products", product) {
                receipts.append(try replica.adjust("products", id: product, field: "stock", by: Int64((word >> 14) % 11) - 5))
            } else {
                receipts.append(try replica.put("products", id: product, Fixtures.product(stock: Int64((word >> 14) % 4))))
            }
        case 4:
            try outsideWrite(r, word: word, service: service, product: product, value: value)
        case 5, 6:
            let to = (r + 1 + Int((word >> 20) % UInt64(replicas.count - 1))) % replicas.count
            let after = Int64((word >> 24) % 4)
            inbox.append((to, try replica.feed(after: after, limit: 100).entries.map(\.record)))
        default:
            guard !inbox.isEmpty else { return }
            let i = Int((word >> 20) % UInt64(inbox.count))
            let message = inbox[i]
            if (word >> 30) % 3 != 0 { inbox.remove(at: i) } // otherwise delivered again later
            let from = NodeID(rawValue: "n\(message.to == 0 ? 1 : 0)")!
            var rng = SeededRNG(word)
            let page = message.records.shuffled(using: &rng)
            // Half the pages as setud's pull applies them: prepared, each new
            // record stored without looking for it first.
            if (word >> 32) % 2 == 0 {
                try replicas[message.to].apply(replicas[message.to].prepare(page), from: from)
            } else {
                try replicas[message.to].apply(page, from: from)
            }
        }
    }

    /// Another SQLite client writes the plain tables. The engine stamps at
    /// once, or (services) at the replica's next engine write: meanwhile its
    /// feed and reads show the values the state's dots speak for, which a
    /// state left to its row keeps in the row's pre-image
    /// (`PlainTable.preimageTable`), however many writes come between.
    private func outsideWrite(_ r: Int, word: UInt64, service: String, product: String, value: String) throws {
        let kind = (word >> 16) % 7
        try outside[r].write { db in
            switch kind {
            case 0: try db.execute(sql: "UPDATE services SET fee = ? WHERE id = ?", arguments: [value + "০", service])
            case 1: try db.execute(sql: "UPDATE products SET stock = stock + ? WHERE id = ?", arguments: [Int((word >> 18) % 7) - 3, product])
            case 2: try db.execute(sql: "DELETE FROM services WHERE id = ?", arguments: [service])
            case 3 where (word >> 40) % 2 == 0:
                // A title edited in SQL: on an older replica, a record that
                // carries fields it does not show.
                try db.execute(sql: "UPDATE products SET title = ? WHERE id = ?", arguments: ["কাঁথা " + value, product])
            case 4:
                // The old row goes without a delete trigger firing.
                try db.execute(sql: """
                    INSERT OR REPLACE INTO services (id, office, section, serial, name, fee) VALUES (?, 'upazila:rupsha', 'citizen', 2, ?, ?)
                    """, arguments: [service, "নাম " + value, value])
            case 5:
                try db.execute(sql: "UPDATE services SET name = ?, fee = ? WHERE id = ?", arguments: ["সেবা " + value, value + value, service])
            default:
                try db.execute(sql: """
                    INSERT INTO services (id, office, section, serial, name) VALUES (?, 'upazila:rupsha', 'internal', 3, ?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name
                    """, arguments: [service, value])
            }
        }
        // Products are stamped at once: a counter's moves are counted from
        // the receipts of `stampOutsideWrites` alone.
        if kind == 1 || kind == 3 || (word >> 44) % 3 != 0 { receipts += try replicas[r].stampOutsideWrites() }
    }

    /// Every replica sends everything to replica `hub` alone, then takes
    /// everything from it: a star through one node, so what reaches the
    /// others has passed through it.
    func exchange(through hub: Int) throws {
        for replica in replicas { receipts += try replica.stampOutsideWrites() }
        let hubID = replicas[hub].node
        for replica in replicas where replica.node != hubID {
            try replicas[hub].apply(try replica.feed(after: 0, limit: 10_000).entries.map(\.record), from: replica.node)
        }
        let everything = try replicas[hub].feed(after: 0, limit: 10_000).entries.map(\.record)
        for replica in replicas where replica.node != hubID { try replica.apply(everything, from: hubID) }
    }

    func exchangeEverything() throws {
        for replica in replicas { receipts += try replica.stampOutsideWrites() }
        let everything = try replicas.map { try $0.feed(after: 0, limit: 10_000).entries.map(\.record) }
        for (i, replica) in replicas.enumerated() {
            for (j, records) in everything.enumerated() where i != j {
                try replica.apply(records, from: NodeID(rawValue: "n\(j)")!)
            }
        }
    }

    func checkConverged() throws {
        let dumps = try replicas.map { try $0.canonicalDump() }
        #expect(Set(dumps).count == 1, "replicas differ")
        let conflicts = try replicas.map { try $0.conflicts() }
        #expect(conflicts.allSatisfy { $0 == conflicts[0] }, "conflict lists differ")
        for replica in replicas { #expect(try replica.stampOutsideWrites().isEmpty) }
        try checkNothingLost(in: replicas[0])
    }

    /// Every write is a current sibling, or superseded by a write that had seen it;
    /// every counter equals the sum of all adjustments ever made.
    func checkNothingLost(in replica: Replica) throws {
        let seen = Dictionary(receipts.map { ($0.dot, $0.vectorAfter) }, uniquingKeysWith: { a, _ in a })
        for receipt in receipts {
            let state = try #require(try replica.record(receipt.collection, id: receipt.id)).state
            for field in Array(receipt.fields.keys) + [RecordState.deletedField] {
                let siblings = state.siblings(of: field)
                let kept = siblings.contains { $0.dot == receipt.dot }
                let superseded = siblings.contains { seen[$0.dot]?.contains(receipt.dot) == true }
                // Dropped by the sibling cap: a newer sibling stands, and as
                // many other nodes as the cap wrote the record after it.
                let capped = siblings.contains { $0.dot > receipt.dot } && state.laterWriters(than: receipt.dot) >= replica.schema.siblingCap
                #expect(kept || superseded || capped, "lost \(receipt.collection)/\(receipt.id).\(field) written at \(receipt.dot)")
                #expect(siblings.count <= replica.schema.siblingCap, "\(receipt.collection)/\(receipt.id).\(field) holds more siblings than the cap")
            }
        }
        for (collection, ids, counter) in [("products", World.productIDs, "stock"), ("stalls", World.stallIDs, "visitors")]
        where replica.schema.named(collection) != nil {
            for id in ids {
                let expected = receipts.filter { $0.collection == collection && $0.id == id }.reduce(Int64(0)) { $0 + ($1.counterDeltas[counter] ?? 0) }
                let actual = try replica.record(collection, id: id)?.state.counters[counter]?.value ?? 0
                #expect(actual == expected, "\(counter) of \(collection)/\(id)")
            }
        }
    }
}

/// SplitMix64, so a case's shuffles replay from its program.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
