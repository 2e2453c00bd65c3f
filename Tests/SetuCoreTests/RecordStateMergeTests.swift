import PropertyBased
import SetuCore
import Testing

@Suite struct RecordStateMergeTests {
    static let program = Gen.uint64().array(of: 1...40)
    static let pick = Gen.int(in: 0...1_000)

    private func draw(_ program: [UInt64], _ i: Int) -> RecordState {
        let pool = History(program: program).pool
        return pool[i % pool.count]
    }

    /// The merge laws under a sibling cap low enough for four nodes to
    /// reach: merge then cap is still commutative, associative and
    /// idempotent, and no field keeps more siblings than the cap.
    @Test(arguments: [1, 2, 3]) func mergeLawsHoldUnderTheSiblingCap(_ cap: Int) async {
        await propertyCheck(count: 300, input: Self.program, Self.pick, Self.pick, Self.pick) { program, i, j, k in
            let pool = History(program: program, cap: cap).pool
            let (a, b, c) = (pool[i % pool.count], pool[j % pool.count], pool[k % pool.count])
            func merge(_ x: RecordState, _ y: RecordState) -> RecordState { x.merged(with: y, siblingCap: cap) }
            #expect(merge(a, b) == merge(b, a))
            #expect(merge(merge(a, b), c) == merge(a, merge(b, c)))
            #expect(merge(a, a) == a && merge(merge(a, b), b) == merge(a, b))
            #expect(merge(merge(a, b), c).fields.allSatisfy { $0.siblings.count <= cap })
        }
    }

    /// The order a naive cap ("keep the newest two") gets wrong: x, y and u
    /// hold concurrent names, z superseded y's and u's after seeing only
    /// them. Dropping by count would lose x's name in one order and keep it
    /// in the other; the rule drops it in both (three later writers).
    @Test func theCapDoesNotDependOnMergeOrder() {
        func write(_ node: NodeID, _ at: UInt64, _ name: String, onto state: RecordState = RecordState()) -> RecordState {
            var state = state
            state.write(["name": .text(name)], dot: Dot(node: node, time: HLCTimestamp(physicalMillis: at)), siblingCap: 2)
            return state
        }
        func merge(_ a: RecordState, _ b: RecordState) -> RecordState { a.merged(with: b, siblingCap: 2) }
        let x = write("office-a", 1_000, "ক")
        let y = write("office-b", 2_000, "খ")
        let u = write("office-d", 2_500, "ঘ")
        let z = write("office-c", 3_000, "গ", onto: merge(y, u))
        let left = merge(merge(merge(x, y), u), z)
        let right = merge(x, merge(merge(y, u), z))
        #expect(left == right)
        #expect(left.siblings(of: "name").map(\.value) == [.text("গ")])
        // One later writer: a two-way conflict stays.
        #expect(merge(x, y).siblings(of: "name").count == 2)
        // Two nodes stamping one time: the later node id is the later writer.
        let tie = merge(merge(write("office-a", 4_000, "ক"), write("office-b", 4_000, "খ")), write("office-c", 4_000, "গ"))
        #expect(tie.siblings(of: "name").map(\.dot.node) == ["office-b", "office-c"])
    }

    @Test func mergeIsCommutative() async {
        await propertyCheck(count: 300, input: Self.program, Self.pick, Self.pick) { program, i, j in
            let (a, b) = (draw(program, i), draw(program, j))
            #expect(a.merged(with: b) == b.merged(with: a))
        }
    }

    @Test func mergeIsAssociative() async {
        await propertyCheck(count: 300, input: Self.program, Self.pick, Self.pick, Self.pick) { program, i, j, k in
            let (a, b, c) = (draw(program, i), draw(program, j), draw(program, k))
            #expect(a.merged(with: b).merged(with: c) == a.merged(with: b.merged(with: c)))
        }
    }

    @Test func mergeIsIdempotent() async {
        await propertyCheck(count: 300, input: Self.program, Self.pick, Self.pick) { program, i, j in
            let (a, b) = (draw(program, i), draw(program, j))
            #expect(a.merged(with: a) == a)
            let ab = a.merged(with: b)
            #expect(ab.merged(with: b) == ab)
        }
    }

    @Test func mergedEncodingIsByteIdenticalWhateverTheOrder() async {
        await propertyCheck(count: 300, input: Self.program, Self.pick, Self.pick) { program, i, j in
            let (a, b) = (draw(program, i), draw(program, j))
            #expect(StateCodec.encode(a.merged(with: b)) == StateCodec.encode(b.merged(with: a)))
        }
    }

    @Test func aWriteSupersedesTheSiblingsItHasSeen() {
        var a = RecordState()
        var b = RecordState()
        a.write(["name": .text("x")], dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 10)))
        b.write(["name": .text("y")], dot: Dot(node: "office-b", time: HLCTimestamp(physicalMillis: 5)))
        var merged = a.merged(with: b)
        #expect(merged.siblings(of: "name").map(\.value) == [.text("y"), .text("x")])
        // LWW shows the greater dot, whatever arrived first.
        #expect(merged.resolvedValue(of: FieldSpec("name", .text(maxBytes: 10))) == .text("x"))
        merged.write(["name": .text("z")], dot: Dot(node: "office-b", time: HLCTimestamp(physicalMillis: 11)))
        #expect(merged.siblings(of: "name").map(\.value) == [.text("z")])
        // The stale concurrent side cannot bring "x" back.
        #expect(merged.merged(with: a).siblings(of: "name").map(\.value) == [.text("z")])
    }

    @Test func counterAdjustmentsFromEveryNodeAllCount() {
        var a = RecordState()
        var b = RecordState()
        a.write([:], counterDeltas: ["stock": 10], dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 1)))
        b = b.merged(with: a)
        a.write([:], counterDeltas: ["stock": -2], dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 2)))
        b.write([:], counterDeltas: ["stock": 5], dot: Dot(node: "hub", time: HLCTimestamp(physicalMillis: 2)))
        let merged = a.merged(with: b)
        #expect(merged.counters["stock"]?.value == 13)
        #expect(merged.merged(with: a).merged(with: b).counters["stock"]?.value == 13)
    }

    @Test func deleteConcurrentWithUpdateIsAnOpenConflictAndStaysVisible() {
        let spec = Collections.services
        var base = RecordState()
        base.write(["office": .text("upazila:rupsha"), "section": .text("citizen"), "serial": .int(1), "name": .text("ক")],
                   dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 1)))
        var deleter = base
        var updater = base
        deleter.write([:], deleting: true, dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 5)))
        updater.write(["name": .text("খ")], dot: Dot(node: "office-b", time: HLCTimestamp(physicalMillis: 3)))
        let merged = deleter.merged(with: updater)
        #expect(!merged.isDeleted)
        #expect(merged.resolved(in: spec)?["name"] == .text("খ"))
        let conflicts = merged.conflicts(collection: spec, id: "s1")
        #expect(conflicts.map(\.field) == [RecordState.deletedField])
        #expect(conflicts.first?.needsReview == true)
        // Without the concurrent update, the delete wins.
        #expect(deleter.merged(with: base).isDeleted)
    }

    @Test func rankPolicyShowsTheFurthestStatusAndListsTheConflict() {
        let spec = Collections.requests
        var a = RecordState()
        var b = RecordState()
        a.write(["status": .text("delivered")], dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 1)))
        b.write(["status": .text("in_review")], dot: Dot(node: "office-b", time: HLCTimestamp(physicalMillis: 9)))
        let merged = a.merged(with: b)
        #expect(merged.resolvedValue(of: spec.field("status")!) == .text("delivered"))
        #expect(merged.conflicts(collection: spec, id: "r1").map(\.field) == ["status"])
    }

    @Test func identicalConcurrentValuesAreNotAConflict() {
        var a = RecordState()
        var b = RecordState()
        a.write(["name": .text("same")], dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 1)))
        b.write(["name": .text("same")], dot: Dot(node: "office-b", time: HLCTimestamp(physicalMillis: 2)))
        let merged = a.merged(with: b)
        #expect(merged.siblings(of: "name").count == 2)
        #expect(merged.conflicts(collection: Collections.services, id: "x").filter { $0.field == "name" }.isEmpty)
    }

    @Test func eachNodeHoldsAtMostOneSiblingPerField() async {
        await propertyCheck(count: 200, input: Self.program) { program in
            for state in History(program: program).pool {
                for field in state.fields {
                    #expect(Set(field.siblings.map(\.dot.node)).count == field.siblings.count)
                }
            }
        }
    }
}
