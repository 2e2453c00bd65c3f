import SetuCore
import Testing

/// A record's first write lays its fields out at once
/// (`RecordState.write`'s fast path); the state must be the one the rule
/// gives: every written field one sibling at the dot, the tombstone
/// beside them, the counters moved, the vector at the dot. Built here
/// through `init(vector:fields:counters:)`, which sorts on its own.
@Suite struct RecordStateFirstWriteTests {
    static let names = ["office", "name", "fee", "a", "zz", "Z", "_x", "ক", "fee_paisa", "officer_office", "_deleted"]

    @Test func aFirstWriteIsEachFieldOneSiblingAtItsDot() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var values: [String: FieldValue] = [:]
            for name in Self.names where Int.random(in: 0..<3, using: &rng) > 0 {
                values[name] = [FieldValue.null, .text("ক"), .int(Int64.random(in: -5...5, using: &rng)), .bool(true)].randomElement(using: &rng)!
            }
            let deltas: [String: Int64] = Bool.random(using: &rng) ? ["stock": Int64.random(in: -2...2, using: &rng)] : [:]
            let deleting = Bool.random(using: &rng)
            let dot = Dot(node: "office-a", time: HLCTimestamp(physicalMillis: UInt64.random(in: 1...9_999, using: &rng)))
            var written = RecordState()
            written.write(values, counterDeltas: deltas, deleting: deleting, dot: dot)

            var fields = values.mapValues { [Sibling(dot: dot, value: $0)] }
            fields[RecordState.deletedField] = [Sibling(dot: dot, value: .bool(deleting))]
            var counters: [String: PNCounter] = [:]
            for (name, delta) in deltas where delta != 0 { counters[name, default: PNCounter()].adjust(by: delta, at: dot.node) }
            var vector = VersionVector()
            vector.advance(to: dot)
            #expect(written == RecordState(vector: vector, fields: fields, counters: counters), "\(values) \(deltas) \(deleting)")
        }
    }
}
