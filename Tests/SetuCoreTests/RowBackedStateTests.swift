import Foundation
import PropertyBased
import SetuCore
import Testing

/// The replica's stored form of a state whose text values its plain row
/// holds (`StateCodec+RowBacked`).
@Suite struct RowBackedStateTests {
    static let a: NodeID = "a", b: NodeID = "b"

    /// One text field with one sibling, one with two, an integer, a counter.
    static func state() -> RecordState {
        var state = RecordState()
        state.write(["name": .text("জন্ম নিবন্ধন"), "fee": .text("৫০ টাকা"), "serial": .int(3)], counterDeltas: ["stock": 4],
                    dot: Dot(node: a, time: HLCTimestamp(rawValue: 1_000)))
        var other = state
        other.write(["fee": .text("১০০ টাকা")], dot: Dot(node: b, time: HLCTimestamp(rawValue: 1_001)))
        state.write(["fee": .text("বিনা মূল্যে")], dot: Dot(node: a, time: HLCTimestamp(rawValue: 1_002)))
        return state.merged(with: other, siblingCap: RecordState.defaultSiblingCap)
    }

    /// Whatever the row holds, only a one-sibling text it holds exactly is
    /// left out, and reading it back beside that row gives the state.
    @Test func leavesOutOnlyTheOneSiblingTextTheRowHolds() throws {
        let state = Self.state()
        let row = ["name": "জন্ম নিবন্ধন", "fee": "বিনা মূল্যে", "serial": "3"]
        let bytes = StateCodec.encode(state) { name, text in row[name] == text }
        #expect(StateCodec.isRowBacked(bytes))
        #expect(!bytes.containsSequence(Array("জন্ম নিবন্ধন".utf8)), "the name is left to the row")
        #expect(bytes.containsSequence(Array("বিনা মূল্যে".utf8)), "a field with two siblings keeps its values")
        #expect(bytes.count < StateCodec.encode(state).count - 30)
        #expect(try StateCodec.decode(bytes) { row[$0] } == state)

        let nothing = StateCodec.encode(state) { _, _ in false }
        #expect(nothing == StateCodec.encode(state), "a row that holds none gives format 2")
    }

    /// A row changed without Setu seeing it is caught by the checksum,
    /// even to text that looks the same (NFD for NFC); a row that is gone
    /// too. Never a guess: the plain decode refuses the stored form.
    @Test func aRowThatNoLongerHoldsTheValueIsRefused() throws {
        let state = Self.state()
        let bytes = StateCodec.encode(state) { name, _ in name == "name" }
        for changed in ["জন্ম নিবন্ধন সনদ", "জন্ম নিবন্ধন".decomposedStringWithCanonicalMapping + "\u{09BC}", ""] {
            #expect { try StateCodec.decode(bytes) { _ in changed } } throws: { ($0 as? StateCodecError)?.rowChanged == true }
        }
        #expect { try StateCodec.decode(bytes) { _ in nil } } throws: { ($0 as? StateCodecError)?.rowChanged == true }
        #expect { try StateCodec.decode(bytes) } throws: { "\($0)".contains("read it through its replica") }

        let (skeleton, inRow) = try StateCodec.decodeWithoutRow(bytes)
        #expect(inRow == ["name"])
        #expect(skeleton.siblings(of: "name").map(\.dot) == state.siblings(of: "name").map(\.dot))
        #expect(skeleton.siblings(of: "name").map(\.value) == [.null])
        #expect(skeleton.vector == state.vector)
        #expect(skeleton.counters == state.counters)
    }

    /// Over the states of random histories, every field left to a row in
    /// every combination: read back beside the row, each is its state.
    @Test func roundTripsEveryReachableStateBesideItsRow() async {
        await propertyCheck(count: 200, input: Gen.uint64().array(of: 1...40)) { (program: [UInt64]) throws in
            for (k, state) in History(program: program).pool.enumerated() {
                var row: [String: String] = [:]
                for (f, field) in state.fields.enumerated() where (k + f) % 3 != 0 && field.siblings.count == 1 {
                    if case .text(let text) = field.siblings[0].value { row[field.name] = text }
                }
                let bytes = StateCodec.encode(state) { name, text in row[name] == text }
                #expect(StateCodec.isRowBacked(bytes) == !row.isEmpty)
                #expect(try StateCodec.decode(bytes) { row[$0] } == state)
                // The same bytes rewritten from format 2, as a bootstrap stores them.
                let rewritten = try StateCodec.leavingValuesToRow(StateCodec.encode(state)[...]) { name, text in
                    row[name].map { Array($0.utf8) == Array(text) } ?? false
                }
                #expect(rewritten == (row.isEmpty ? nil : bytes))
            }
        }
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
