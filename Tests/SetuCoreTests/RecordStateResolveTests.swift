import PropertyBased
import SetuCore
import Testing

/// The plain-table row and the checks on received states, which walk a
/// state's fields and the declaration together.
@Suite struct RecordStateResolveTests {
    /// Field by field, the row is what `resolvedValue(of:)` (a search per
    /// field) shows; nil exactly when the record is deleted or unwritten.
    @Test func resolvedRowIsEachFieldsResolvedValue() async {
        await propertyCheck(count: 200, input: Gen.uint64().array(of: 1...40)) { (program: [UInt64]) in
            for state in History(program: program).pool {
                for spec in Collections.all {
                    let row = state.resolvedRow(in: spec)
                    if state.isEmpty || state.isDeleted {
                        #expect(row == nil)
                    } else {
                        #expect(row == spec.fields.map { state.resolvedValue(of: $0) })
                        #expect(state.resolved(in: spec) == Dictionary(uniqueKeysWithValues: zip(spec.fields.map(\.name), row!)))
                    }
                }
            }
        }
    }

    static let dot = Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 1_700_000_000_000))

    static func state(_ fields: [String: FieldValue]) -> RecordState {
        RecordState(vector: VersionVector([dot.node: dot.time]),
                    fields: fields.mapValues { [Sibling(dot: dot, value: $0)] })
    }

    @Test func everyDeclaredFieldIsAcceptedWhateverItsPlaceInNameOrder() {
        let all = Dictionary(uniqueKeysWithValues: Collections.services.fields.map { ($0.name, FieldValue.null) })
        #expect(Self.state(all).problem(in: Collections.services) == nil)
        #expect(Self.state(["serial": .int(3)]).problem(in: Collections.services) == nil)
        #expect(Self.state(["office": .text("upazila:rupsha"), "officer_title": .null]).problem(in: Collections.services) == nil)
    }

    /// A newer release's field is kept wherever it sorts among the declared
    /// ones; only what no release could write is refused.
    @Test func anUndeclaredFieldIsKeptWhereverItSorts() {
        for stray in ["aaa", "fee_extra", "office_", "zzz"] {
            let state = Self.state(["fee": .null, stray: .text("নতুন"), "name": .null, "serial": .int(1)])
            #expect(state.problem(in: Collections.services) == nil, "\(stray)")
        }
        for bad in ["Colour", "_hidden", "9lives", "a-b", String(repeating: "a", count: 65)] {
            let state = Self.state(["fee": .null, bad: .null])
            #expect(state.problem(in: Collections.services)?.contains("is not a field name") == true, "\(bad)")
        }
        #expect(Self.state(["weight_grams": .text("a\u{0}b")]).problem(in: Collections.products)?.contains("NUL") == true)
        #expect(Self.state(["weight_grams": .text("ক\u{9C7}\u{9BE}")]).problem(in: Collections.products)?.contains("NFC") == true)
        #expect(Self.state(["weight_grams": .text(String(repeating: "x", count: RecordState.maxForeignTextBytes + 1))])
            .problem(in: Collections.products) != nil)
        // A counter's name is not a value field, nor a value field's a counter.
        #expect(Self.state(["stock": .int(1)]).problem(in: Collections.products) == "counter stock carried as a value field")
        var counted = Self.state(["title": .text("x")])
        counted.counters["title"] = PNCounter([Self.dot.node: .init(increments: 1)])
        #expect(counted.problem(in: Collections.products) == "field title carried as a counter")
        counted.counters = ["weight_grams": PNCounter([Self.dot.node: .init(increments: 1)])]
        #expect(counted.problem(in: Collections.products) == nil, "a newer release's counter")
    }

    /// Limits are this release's: a newer one may widen them, so a peer's
    /// value past them is kept (local writes are still held to them).
    @Test func limitsBindLocalWritesNotPeersStates() {
        let long = String(repeating: "ক", count: 400) // 1,200 bytes, past name's 1,024
        #expect(Self.state(["name": .text(long)]).problem(in: Collections.services) == nil)
        #expect(Self.state(["serial": .int(20_000)]).problem(in: Collections.services) == nil)
        #expect(Self.state(["section": .text("other")]).problem(in: Collections.services) != nil, "a choice is not widened")
        #expect(Self.state(["serial": .text("3")]).problem(in: Collections.services) != nil, "the type still holds")
        #expect(throws: ValidationError.self) { try Collections.services.validate(["name": .text(long)], mode: .patch) }
    }

    /// A collection this node does not declare: any valid fields, and an office.
    @Test func anUndeclaredCollectionNeedsOnlyAnOffice() {
        #expect(Self.state(["office": .text("district:khulna"), "stall_no": .int(4)]).problem(in: nil) == nil)
        #expect(Self.state(["stall_no": .int(4)]).problem(in: nil)?.contains("names no office") == true)
        #expect(Self.state(["office": .text("Khulna")]).problem(in: nil)?.contains("names no office") == true)
    }

    @Test func aDotOutsideTheVectorIsRefusedEvenAfterSharedDots() {
        let outside = Dot(node: "office-b", time: Self.dot.time)
        let state = RecordState(vector: VersionVector([Self.dot.node: Self.dot.time]), fields: [
            "fee": [Sibling(dot: Self.dot, value: .null)],
            "name": [Sibling(dot: Self.dot, value: .null)],
            "serial": [Sibling(dot: outside, value: .int(1))],
        ])
        #expect(state.problem(in: Collections.services) == "a value's dot lies outside the record's version vector")
    }
}
