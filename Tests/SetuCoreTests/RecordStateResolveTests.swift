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

    @Test func anUndeclaredFieldIsNamedWhereverItSorts() {
        for stray in ["aaa", "fee_extra", "office_", "zzz"] {
            let state = Self.state(["fee": .null, stray: .null, "name": .null, "serial": .int(1)])
            #expect(state.problem(in: Collections.services) == "unknown field \(stray)")
        }
        // A counter's name is not a value field.
        #expect(Self.state(["stock": .int(1)]).problem(in: Collections.products) == "unknown field stock")
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
