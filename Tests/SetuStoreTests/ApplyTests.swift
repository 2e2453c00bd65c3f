import Foundation
import GRDB
import SetuCore
import SetuStore
import SetuTestSupport
import Testing

@Suite struct ApplyTests {
    let dir = TemporaryDirectory()

    @Test func replayingAPageChangesNothing() throws {
        let a = try Replica(path: dir.file("a.sqlite"), node: "office-a")
        let hub = try Replica(path: dir.file("hub.sqlite"), node: "hub")
        for i in 1...20 { try a.put("services", id: "s\(i)", Fixtures.service(serial: Int64(i))) }
        let page = try a.feed(after: 0, limit: 100).entries.map(\.record)
        let first = try hub.apply(page, from: "office-a", cursor: "20")
        #expect(first.changed == 20)
        let dump = try hub.canonicalDump()
        let head = try hub.feedHead()
        let replay = try hub.apply(page + page.reversed(), from: "office-a", cursor: "20")
        #expect(replay.changed == 0)
        #expect(replay.unchanged == 40)
        #expect(try hub.canonicalDump() == dump)
        #expect(try hub.feedHead() == head)
        #expect(try hub.pullCursor(from: "office-a") == "20")
    }

    @Test func aMergeThatChangesTheRecordIsPushedBack() throws {
        let a = try Replica(path: dir.file("a.sqlite"), node: "office-a")
        let b = try Replica(path: dir.file("b.sqlite"), node: "office-b")
        try a.put("services", id: "s1", Fixtures.service())
        try b.apply(try a.feed(after: 0, limit: 10).entries.map(\.record), from: "office-a")
        try b.patch("services", id: "s1", ["fee": .text("৫০ টাকা")])
        try a.patch("services", id: "s1", ["name": .text("নতুন নাম")])
        try b.apply(try a.feed(after: 0, limit: 10).entries.map(\.record), from: "office-a")
        let back = try b.feed(after: 0, limit: 10, for: "office-a").entries
        #expect(back.count == 1, "the merged state has b's write, so a needs it")
        #expect(try b.pendingPushCount(to: "office-a") == 1)
        try b.acknowledgePush(to: "office-a", upTo: back[0].seq)
        #expect(try b.pendingPushCount(to: "office-a") == 0)
    }

    /// After a pull, the push that follows has nothing to send: it must see
    /// that in one page, not read the pulled states 500 at a time (a 10k
    /// catch-up spent 10-19 ms on 20 empty pages and their acknowledgements).
    @Test func statesFromThePeerAreSkippedInOnePageToTheHead() throws {
        let hub = try Replica(path: dir.file("hub.sqlite"), node: "hub")
        let office = try Replica(path: dir.file("office.sqlite"), node: "office-a")
        try hub.batch { batch in
            for i in 1...1_200 { try batch.put("services", id: "s\(i)", Fixtures.service(serial: Int64(i))) }
        }
        try office.put("services", id: "own-1", Fixtures.service(serial: 5_001))
        try office.apply(try hub.feed(after: 0, limit: 2_000).entries.map(\.record), from: "hub")
        try office.put("services", id: "own-2", Fixtures.service(serial: 5_002))
        let head = try office.feedHead()
        let page = try office.feed(after: 0, limit: 500, for: "hub")
        #expect(page.entries.map(\.record.id) == ["own-1", "own-2"])
        #expect(page.lastSeq == head)
        let past = try office.feed(after: 1, limit: 500, for: "hub")
        #expect(past.entries.map(\.record.id) == ["own-2"], "the page starts after the position given")
        let one = try office.feed(after: 0, limit: 1, for: "hub")
        #expect(one.entries.map(\.record.id) == ["own-1"])
        #expect(one.lastSeq == one.entries[0].seq, "a full page reads no further than its last entry")
        let nothing = try office.feed(after: head, limit: 500, for: "hub")
        #expect(nothing.entries.isEmpty && nothing.lastSeq == head)
        // A state that came from another peer (a bundle) is the hub's to
        // take, in feed order among the office's own.
        let peer = try Replica(path: dir.file("peer.sqlite"), node: "office-b")
        try peer.put("services", id: "relayed", Fixtures.service(serial: 6_001))
        try office.apply(try peer.feed(after: 0, limit: 10).entries.map(\.record), from: "office-b")
        try office.put("services", id: "own-3", Fixtures.service(serial: 5_003))
        let mixed = try office.feed(after: 0, limit: 500, for: "hub")
        #expect(mixed.entries.map(\.record.id) == ["own-1", "own-2", "relayed", "own-3"])
        #expect(try office.feed(after: 0, limit: 3, for: "hub").entries.map(\.record.id) == ["own-1", "own-2", "relayed"])
        #expect(try office.feed(after: 0, limit: 2_000, for: "office-b").entries.map(\.record.id)
                    == ["own-1"] + (1...1_200).map { "s\($0)" } + ["own-2", "own-3"], "for another peer, every state but the one it sent")
    }

    /// A page of states the hub holds moves the push position past them in
    /// its own transaction, so the push after a pull has nothing to read or
    /// acknowledge (it committed a transaction, an fsync, of its own to move
    /// the position there). A state the hub lacks stops it: an own write not
    /// pushed yet before the page, or a merge in the page with a write the
    /// hub has not seen.
    @Test func aPageOfTheHubsStatesMovesThePushPositionPastThem() throws {
        let hub = try Replica(path: dir.file("hub.sqlite"), node: "hub")
        let office = try Replica(path: dir.file("office.sqlite"), node: "office-a")
        func pull(after seq: Int64) throws -> Int64 {
            let page = try hub.feed(after: seq, limit: 100)
            try office.apply(page.entries.map(\.record), from: "hub", cursor: String(page.lastSeq))
            return page.lastSeq
        }
        func unsent() throws -> [String] {
            try office.feed(after: office.pushCursor(to: "hub"), limit: 100, for: "hub").entries.map(\.record.id)
        }
        for i in 1...10 { try hub.put("services", id: "s\(i)", Fixtures.service(serial: Int64(i))) }
        var pulled = try pull(after: 0)
        #expect(try office.pushCursor(to: "hub") == office.feedHead())

        try office.put("services", id: "own-1", Fixtures.service(serial: 101))
        let beforeOwn = try office.pushCursor(to: "hub")
        try hub.put("services", id: "s11", Fixtures.service(serial: 11))
        pulled = try pull(after: pulled)
        #expect(try office.pushCursor(to: "hub") == beforeOwn, "own-1 is not pushed yet")
        #expect(try unsent() == ["own-1"])

        // own-1 pushed; then the office and the hub edit s1 each without the other.
        try office.acknowledgePush(to: "hub", upTo: office.feedHead())
        try office.patch("services", id: "s1", ["fee": .text("৫০ টাকা")])
        try office.acknowledgePush(to: "hub", upTo: office.feedHead())
        let beforeMerge = try office.pushCursor(to: "hub")
        try hub.patch("services", id: "s1", ["name": .text("নতুন নাম")])
        try hub.put("services", id: "s12", Fixtures.service(serial: 12))
        pulled = try pull(after: pulled)
        #expect(try office.pushCursor(to: "hub") == beforeMerge, "the merged s1 holds the office's fee, which the hub lacks")
        #expect(try unsent() == ["s1"])
    }

    /// A page mixing records new here with records held here (one changed
    /// by this office meanwhile) and a record twice: each held one is
    /// merged, not overwritten, and the result is what applying the records
    /// one at a time, in another order, gives. (Guards any shortcut for new
    /// records, such as inserting without looking first; one was tried and
    /// measured no faster.)
    @Test func aRecordTakenForNewIsMergedWhenItIsHeld() throws {
        let hub = try Replica(path: dir.file("hub.sqlite"), node: "hub")
        let office = try Replica(path: dir.file("office.sqlite"), node: "office-a")
        for i in 1...4 { try hub.put("services", id: "s\(i)", Fixtures.service(serial: Int64(i))) }
        let held = try hub.feed(after: 0, limit: 10).entries.map(\.record)
        try office.apply(held, from: "hub")
        try office.patch("services", id: "s2", ["fee": .text("৫০ টাকা")])
        // The same office as it is now, to apply the page one record at a time.
        try office.checkpoint()
        try FileManager.default.copyItem(atPath: dir.file("office.sqlite"), toPath: dir.file("other.sqlite"))
        let other = try Replica(path: dir.file("other.sqlite"), node: "office-a")
        try hub.patch("services", id: "s2", ["name": .text("নতুন নাম")])
        for i in 5...7 { try hub.put("services", id: "s\(i)", Fixtures.service(serial: Int64(i))) }
        let records = try hub.feed(after: 4, limit: 10).entries.map(\.record)
        let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0) })
        // s5 new, s2 held and changed here, s6 new, s1 held as it is, s5 again, s7 new.
        let page = [byID["s5"]!, byID["s2"]!, byID["s6"]!, held[0], byID["s5"]!, byID["s7"]!]
        let report = try office.apply(page, from: "hub")
        #expect(report.changed == 4)
        #expect(report.unchanged == 2)
        let s2 = try #require(try office.record("services", id: "s2")?.values)
        #expect(s2["fee"] == .text("৫০ টাকা"), "this office's change is kept")
        #expect(s2["name"] == .text("নতুন নাম"))
        for record in page.reversed() { try other.apply([record], from: "hub") }
        #expect(try office.canonicalDump() == other.canonicalDump())
        #expect(try office.pendingPushCount(to: "hub") == 1, "only the merged s2 is the hub's to take")
    }

    @Test func aForgedFutureClockIsRefusedAndTheRestOfThePageFlows() throws {
        let clock = ManualClock()
        let liar = try Replica(path: dir.file("liar.sqlite"), node: "office-x",
                               options: ReplicaOptions(now: { clock.now + 365 * 86_400_000 }))
        let honest = try Replica(path: dir.file("a.sqlite"), node: "office-a", options: ReplicaOptions(now: clock.source))
        let hub = try Replica(path: dir.file("hub.sqlite"), node: "hub", options: ReplicaOptions(now: clock.source))
        try liar.put("services", id: "s1", Fixtures.service())
        try honest.put("services", id: "s2", Fixtures.service(serial: 2))
        let page = try liar.feed(after: 0, limit: 10).entries.map(\.record) + honest.feed(after: 0, limit: 10).entries.map(\.record)
        let report = try hub.apply(page, from: "office-x")
        #expect(report.changed == 1)
        #expect(report.rejected.map(\.id) == ["s1"])
        #expect(report.rejected.first?.reason.contains("ahead") == true)
        #expect(try hub.record("services", id: "s1") == nil)
        #expect(try hub.rejections().count == 1)
    }

    @Test func clampingAcceptsButHoldsTheClock() throws {
        let clock = ManualClock()
        let liar = try Replica(path: dir.file("liar.sqlite"), node: "office-x", options: ReplicaOptions(now: { clock.now + 86_400_000 }))
        let hub = try Replica(path: dir.file("hub.sqlite"), node: "hub", options: ReplicaOptions(skewPolicy: .clamp, now: clock.source))
        try liar.put("services", id: "s1", Fixtures.service())
        let report = try hub.apply(try liar.feed(after: 0, limit: 10).entries.map(\.record), from: "office-x")
        #expect(report.changed == 1)
        #expect(report.clampedAheadMillis == 86_400_000)
        let write = try hub.patch("services", id: "s1", ["fee": .text("x")])
        #expect(write.dot.time.physicalMillis <= clock.now + HybridClock.defaultMaxSkewMillis)
        #expect(try hub.record("services", id: "s1")?.values?["fee"] == .text("x"), "a later write that saw it supersedes it")
    }

    /// Undeclared fields and collections are a newer release's and are kept
    /// (`MixedSchemaConvergenceTests`); what no release writes is refused.
    @Test func refusesStatesNoReleaseWritesOrWithNonCanonicalValues() throws {
        let hub = try Replica(path: dir.file("hub.sqlite"), node: "hub")
        var forged = RecordState()
        forged.write(["office": .text("upazila:rupsha"), "section": .text("citizen"), "serial": .int(1), "name": .text("x"), "Colour": .text("red")],
                     dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 1_000)))
        var nonNFC = RecordState()
        nonNFC.write(["office": .text("upazila:rupsha"), "section": .text("citizen"), "serial": .int(1), "name": .text("ক\u{9C7}\u{9BE}")],
                     dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 1_000)))
        let report = try hub.apply([
            ReplicatedRecord(collection: "services", id: "a", state: forged),
            ReplicatedRecord(collection: "services", id: "b", state: nonNFC),
            ReplicatedRecord(collection: "Gadgets", id: "c", state: nonNFC),
        ], from: "office-a")
        #expect(report.rejected.map(\.reason) == ["field name \"Colour\" is not a field name", "field name holds a value that is not valid text in canonical form",
                                                  "unknown collection (not a collection name)"])
        #expect(try hub.recordCount() == 0)
    }
}

/// setud works out each pulled page off the write thread
/// (`Replica.prepare`) and applies it prepared: the outcome must be the
/// same as applying the records as they are.
@Suite struct PreparedPageTests {
    let dir = TemporaryDirectory()

    /// A page of new records, records held here (one edited here since, so
    /// the merge is a conflict), a deletion, a record twice, and states refused
    /// (an invalid id, text not in NFC): applied prepared on one replica and
    /// as records on another that held the same, both end byte-identical,
    /// with the same report and the same states set aside.
    @Test func aPreparedPageAppliesAsItsRecordsDo() throws {
        let writer = try Replica(path: dir.file("writer.sqlite"), node: "office-w")
        for i in 1...30 { try writer.put("services", id: "s\(i)", Fixtures.service(serial: Int64(i))) }
        let early = try writer.feed(after: 0, limit: 100).entries.map(\.record)
        let other = try Replica(path: dir.file("other.sqlite"), node: "office-x")
        try other.apply(early, from: "office-w")
        try other.patch("services", id: "s3", ["name": .text("অফিসের নাম")])
        let concurrent = try other.feed(after: 0, limit: 100, for: "office-w").entries.map(\.record)
        let (plain, prepared) = (try Replica(path: dir.file("plain.sqlite"), node: "office-a"),
                                 try Replica(path: dir.file("prepared.sqlite"), node: "office-a"))
        for replica in [plain, prepared] {
            try replica.apply(Array(early.prefix(20)), from: "hub")
            try replica.apply(concurrent, from: "office-x")
        }
        try writer.patch("services", id: "s3", ["name": .text("লেখকের নাম")])
        try writer.delete("services", id: "s4")
        for i in 31...40 { try writer.put("services", id: "s\(i)", Fixtures.service(serial: Int64(i))) }
        var page = try writer.feed(after: 0, limit: 100).entries.map(\.record)
        page.append(page[0])
        var bad = RecordState()
        bad.write(["name": .text("e\u{301}"), "office": .text("upazila:rupsha")], dot: Dot(node: "office-w", time: HLCTimestamp(physicalMillis: 1_800_000_000_000)))
        page.append(ReplicatedRecord(collection: "services", id: "not-canonical", state: bad))
        page.append(ReplicatedRecord(collection: "services", id: "bad id!", state: early[0].state))
        #expect(try plain.stateDump() == prepared.stateDump())

        let asRecords = try plain.apply(page, from: "hub", cursor: "9")
        let asPrepared = try prepared.apply(prepared.prepare(page), from: "hub", cursor: "9")
        #expect(asRecords == asPrepared)
        #expect(asRecords.rejected.count == 2 && asRecords.changed > 20, "\(asRecords)")
        #expect(try plain.rejections().map(\.reason) == prepared.rejections().map(\.reason))
        #expect(try plain.stateDump() == prepared.stateDump())
        #expect(try plain.conflicts() == prepared.conflicts())
        #expect(try plain.conflicts().contains { $0.id == "s3" }, "the writer's edit and office-x's, concurrent")
    }

    /// A record written here between the page's preparation and its
    /// apply (office software, a local edit) is merged with what is stored
    /// then: its prepared merge into nothing would lose the edit.
    @Test func aStateChangedSincePreparingIsMergedAgain() throws {
        let writer = try Replica(path: dir.file("writer.sqlite"), node: "office-w")
        for i in 1...5 { try writer.put("services", id: "s\(i)", Fixtures.service(serial: Int64(i))) }
        let first = try writer.feed(after: 0, limit: 100).entries.map(\.record)
        let office = try Replica(path: dir.file("office.sqlite"), node: "office-a")
        try office.apply(first, from: "hub")
        try writer.patch("services", id: "s2", ["fee": .text("২০ টাকা")])
        try writer.put("services", id: "s9", Fixtures.service(serial: 9))
        let page = try writer.feed(after: 0, limit: 100).entries.map(\.record)

        let prepared = office.prepare(page)
        try office.patch("services", id: "s2", ["name": .text("অফিসে বদলানো নাম")])
        try office.put("services", id: "s9", Fixtures.service(serial: 99, name: "অফিসে লেখা"))
        try office.apply(prepared, from: "hub")

        let values = try #require(try office.record("services", id: "s2")?.values)
        #expect(values["name"] == .text("অফিসে বদলানো নাম") && values["fee"] == .text("২০ টাকা"), "both edits kept")
        let s9 = try #require(try office.record("services", id: "s9")?.state)
        #expect(s9.siblings(of: "name").count == 2, "the office's record and the writer's, concurrent: a conflict, nothing lost")
    }

    /// A new record's state is stored without looking for a local one
    /// first (the insert finds out): its dots still go past the clock's
    /// skew check as they do unprepared. Refused when far ahead, clamped
    /// under `.clamp`, and the clock moved only for what was stored.
    @Test func aNewRecordsDotsMeetTheSkewBoundAsItsRecordsDo() throws {
        let clock = ManualClock()
        let liar = try Replica(path: dir.file("liar.sqlite"), node: "office-x", options: ReplicaOptions(now: { clock.now + 86_400_000 }))
        let honest = try Replica(path: dir.file("honest.sqlite"), node: "office-h", options: ReplicaOptions(now: clock.source))
        try liar.put("services", id: "ahead", Fixtures.service())
        try honest.put("services", id: "on-time", Fixtures.service(serial: 2))
        let page = try liar.feed(after: 0, limit: 10).entries.map(\.record) + honest.feed(after: 0, limit: 10).entries.map(\.record)
        for policy in [SkewPolicy.refuse, .clamp] {
            let options = ReplicaOptions(skewPolicy: policy, now: clock.source)
            let (plain, prepared) = (try Replica(path: dir.file("plain-\(policy).sqlite"), node: "office-a", options: options),
                                     try Replica(path: dir.file("prepared-\(policy).sqlite"), node: "office-a", options: options))
            let asRecords = try plain.apply(page, from: "hub")
            let asPrepared = try prepared.apply(prepared.prepare(page), from: "hub")
            #expect(asRecords == asPrepared)
            #expect(try plain.stateDump() == prepared.stateDump())
            switch policy {
            case .refuse: #expect(asPrepared.rejected.map(\.id) == ["ahead"] && asPrepared.changed == 1, "\(asPrepared)")
            case .clamp: #expect(asPrepared.clampedAheadMillis == 86_400_000 && asPrepared.changed == 2, "\(asPrepared)")
            }
            let (plainWrite, preparedWrite) = (try plain.put("services", id: "local", Fixtures.service(serial: 3)),
                                               try prepared.put("services", id: "local", Fixtures.service(serial: 3)))
            #expect(plainWrite.dot.time == preparedWrite.dot.time, "the clocks moved alike")
        }
    }

    /// Edits made elsewhere of records held here are stored after reading
    /// only what the held states have seen (`loadCausalContext`), not their
    /// values; the row beside such a state is still checked. A row changed
    /// with its capture triggers gone, and missed by the check that follows
    /// a schema change (the check is noted as done), refuses the page as it
    /// does unprepared: the edit is not overwritten, and nothing is stored.
    @Test func anEditOfARecordWhoseRowChangedUnseenIsRefusedAsUnprepared() throws {
        let writer = try Replica(path: dir.file("writer.sqlite"), node: "office-w")
        for i in 1...5 { try writer.put("services", id: "s\(i)", Fixtures.service(serial: Int64(i))) }
        let first = try writer.feed(after: 0, limit: 100).entries.map(\.record)
        for i in 1...5 { try writer.patch("services", id: "s\(i)", ["fee": .text("২০ টাকা")]) }
        let edits = try writer.feed(after: Int64(first.count), limit: 100).entries.map(\.record)
        let (plain, prepared) = (try Replica(path: dir.file("plain.sqlite"), node: "office-a"),
                                 try Replica(path: dir.file("prepared.sqlite"), node: "office-a"))
        for (replica, file) in [(plain, "plain.sqlite"), (prepared, "prepared.sqlite")] {
            try replica.apply(first, from: "hub")
            try Self.changeUnseen(dir.file(file), "UPDATE services SET name = 'অফিসে বদলানো' WHERE id = 's3'")
        }

        #expect { try plain.apply(edits, from: "hub") } throws: { ($0 as? ReplicaError)?.code == .rowChangedUnseen }
        #expect { try prepared.apply(prepared.prepare(edits), from: "hub") } throws: { ($0 as? ReplicaError)?.code == .rowChangedUnseen }
        for file in ["plain.sqlite", "prepared.sqlite"] {
            #expect(try sqlite3(dir.file(file), "SELECT name FROM services WHERE id = 's3'; SELECT count(*) FROM services WHERE fee = '২০ টাকা';").output
                    == "অফিসে বদলানো\n0\n", "the edit is kept, and no page's state stored")
        }

        // Without the unseen change the edits are stored alike.
        let (plainAgain, preparedAgain) = (try Replica(path: dir.file("plain-2.sqlite"), node: "office-a"),
                                           try Replica(path: dir.file("prepared-2.sqlite"), node: "office-a"))
        for replica in [plainAgain, preparedAgain] { try replica.apply(first, from: "hub") }
        #expect(try plainAgain.apply(edits, from: "hub") == preparedAgain.apply(preparedAgain.prepare(edits), from: "hub"))
        #expect(try plainAgain.stateDump() == preparedAgain.stateDump())
        #expect(try sqlite3(dir.file("prepared-2.sqlite"), "SELECT count(*) FROM services WHERE fee = '২০ টাকা';").output == "5\n")
    }

    /// Runs `sql` on a replica's plain table with its update triggers
    /// gone, puts them back, and notes the capture as checked: a change no
    /// check will find but the stored state's checksum.
    static func changeUnseen(_ path: String, _ sql: String) throws {
        let names = ["setu_capture_services_update", "setu_preimage_services_update"]
        let saved = try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)", arguments: StatementArguments(names))
        }
        #expect(saved.count == 2)
        try DatabaseQueue(path: path).write { db in
            for name in names { try db.execute(sql: "DROP TRIGGER \(name)") }
            try db.execute(sql: sql)
            for trigger in saved { try db.execute(sql: trigger) }
            try db.execute(sql: "INSERT OR REPLACE INTO setu_meta (key, value) SELECT 'capture_checked', schema_version FROM pragma_schema_version")
        }
    }

    /// A page prepared under another schema (a replica of another release)
    /// is worked out again as it is applied: the newer replica shows the
    /// field the older one would have kept hidden.
    @Test func aPagePreparedUnderAnotherSchemaIsWorkedOutAgain() throws {
        let newer = try Replica(path: dir.file("newer.sqlite"), node: "office-new", options: ReplicaOptions(schema: TestSchemas.newer))
        let older = try Replica(path: dir.file("older.sqlite"), node: "office-old")
        let reader = try Replica(path: dir.file("reader.sqlite"), node: "office-r", options: ReplicaOptions(schema: TestSchemas.newer))
        var product = Fixtures.product(stock: 3)
        product["weight_grams"] = .int(450)
        try newer.put("products", id: "p1", product)
        let page = try newer.feed(after: 0, limit: 10).entries.map(\.record)
        try reader.apply(older.prepare(page), from: "hub")
        #expect(try reader.record("products", id: "p1")?.values?["weight_grams"] == .int(450))
        #expect(try sqlite3(dir.file("reader.sqlite"), "SELECT weight_grams FROM products WHERE id = 'p1';").output.hasPrefix("450"))
    }
}
