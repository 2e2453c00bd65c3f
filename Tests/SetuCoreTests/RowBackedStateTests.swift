import Foundation
import PropertyBased
@testable import SetuCore
import Testing

/// The replica's stored form of a state whose text values its plain row
/// holds (`StateCodec+RowBacked`).
@Suite struct RowBackedStateTests {
    static let a: NodeID = "a", b: NodeID = "b"

    /// One text field with one sibling, one with two, an integer, a counter.
    static func state() -> RecordState {
        var state = RecordState()
        state.write(["name": .text("জন্ম নিবন্ধন"), "fee": .text("৫০ টাকা"), "serial": .int(3)], counterDeltas: ["stock": 4],
                    dot: Dot(node: a, time: time(0)))
        var other = state
        other.write(["fee": .text("১০০ টাকা")], dot: Dot(node: b, time: time(1)))
        state.write(["fee": .text("বিনা মূল্যে")], dot: Dot(node: a, time: time(2)))
        return state.merged(with: other, siblingCap: RecordState.defaultSiblingCap)
    }

    /// A time in December 2026, `seconds` on.
    static func time(_ seconds: UInt64) -> HLCTimestamp { HLCTimestamp(physicalMillis: 1_796_000_000_000 + seconds * 1_000) }

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

    /// What a stored state has seen, read from its bytes and its row's
    /// without building the values (`causalContext`), is what the decoded
    /// state has seen; and the row is checked as `decode` checks it.
    @Test func theCausalContextIsTheDecodedStatesAndChecksTheRow() throws {
        let state = Self.state()
        let row = ["name": "জন্ম নিবন্ধন", "fee": "বিনা মূল্যে", "serial": "3"]
        let bytes = StateCodec.encode(state) { name, text in row[name] == text }
        let context = try Self.withColumns(row) { try StateCodec.causalContext(ofStored: bytes, rowBytes: $0) }
        #expect(context == CausalContext(of: state))
        #expect(context.vector == state.vector && context.counters == ["stock": state.counters["stock"]!])
        #expect(state.subsumes(context) && context.subsumes(state))
        var later = state
        later.write(["name": .text("মৃত্যু নিবন্ধন")], dot: Dot(node: Self.b, time: Self.time(9)))
        #expect(later.subsumes(context) && !context.subsumes(later))

        let leavesName = StateCodec.encode(state) { name, _ in name == "name" }
        for changed in ["জন্ম নিবন্ধন সনদ", "জন্ম নিবন্ধন".decomposedStringWithCanonicalMapping + "\u{09BC}", ""] {
            #expect { try Self.withColumns(["name": changed]) { try StateCodec.causalContext(ofStored: leavesName, rowBytes: $0) } } throws: {
                ($0 as? StateCodecError)?.rowChanged == true
            }
        }
        #expect { try StateCodec.causalContext(ofStored: leavesName) { _ in nil } } throws: { ($0 as? StateCodecError)?.rowChanged == true }
        #expect(try StateCodec.causalContext(ofStored: StateCodec.encode(state)) { _ in nil } == CausalContext(of: state), "format 2: nothing in the row")
    }

    /// `body` with the columns of `row` as `causalContext` reads a row's:
    /// their bytes, valid until `body` returns.
    static func withColumns<T>(_ row: [String: String], _ body: ((String) -> UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
        let columns = row.mapValues { text in
            let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, text.utf8.count))
            _ = bytes.initialize(from: text.utf8)
            return UnsafeBufferPointer(start: bytes.baseAddress, count: text.utf8.count)
        }
        defer { for column in columns.values { column.baseAddress.map { UnsafeMutablePointer(mutating: $0).deallocate() } } }
        return try body { columns[$0] }
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
                #expect(try Self.withColumns(row) { try StateCodec.causalContext(ofStored: bytes, rowBytes: $0) } == CausalContext(of: state))
                // The same bytes rewritten from format 2, as a bootstrap stores them.
                let rewritten = try StateCodec.leavingValuesToRow(StateCodec.encode(state)[...]) { name, text in
                    row[name].map { Array($0.utf8) == Array(text) } ?? false
                }
                #expect(rewritten == (row.isEmpty ? nil : bytes))
                // Every other node numbered later, as a write transaction does.
                if !row.isEmpty {
                    let nodes = state.vector.sorted.map(\.node)
                    let numbering = NodeNumbering(number: { node in nodes.firstIndex(of: node).flatMap { $0 % 2 == 0 ? UInt64($0 + 1) : nil } },
                                                  node: { n in n % 2 == 1 && n <= nodes.count ? nodes[Int(n) - 1] : nil })
                    #expect(try StateCodec.numberingNodes(bytes[...], numbering: numbering)
                            == StateCodec.encode(state, numbering: numbering) { name, text in row[name] == text })
                }
            }
        }
    }

    /// Times in the stored form: a PC clock in 1970 or at the end of the
    /// hybrid clock's range, counters at 0 and at their limit, a dot behind
    /// its vector by days or by a counter step, and one ahead of it (not a
    /// state Setu writes, but one encoding all the same). Each reads back,
    /// and a realistic state's times take fewer bytes than in format 2.
    @Test func storedTimesRoundTripAtTheirLimits() throws {
        let day: UInt64 = 86_400_000
        let now = HLCTimestamp(physicalMillis: 1_796_000_000_000)
        let times: [(vector: HLCTimestamp, dot: HLCTimestamp)] = [
            (now, HLCTimestamp(physicalMillis: now.physicalMillis - 3 * day)),
            (HLCTimestamp(physicalMillis: now.physicalMillis, logical: 7), HLCTimestamp(physicalMillis: now.physicalMillis, logical: 6)),
            (HLCTimestamp(physicalMillis: 0), HLCTimestamp(physicalMillis: 0)),
            (HLCTimestamp(physicalMillis: 1 << 48 - 1, logical: HLCTimestamp.maxLogical), HLCTimestamp(physicalMillis: 1)),
            (HLCTimestamp(physicalMillis: 5), HLCTimestamp(physicalMillis: 1 << 48 - 1, logical: 1)),
        ]
        for (vectorTime, dotTime) in times {
            var state = RecordState()
            state.write(["name": .text("জন্ম নিবন্ধন"), "serial": .int(3)], dot: Dot(node: Self.a, time: dotTime))
            state.vector = VersionVector([Self.a: vectorTime])
            let bytes = StateCodec.encode(state) { name, _ in name == "name" }
            #expect(bytes.first == StateCodec.rowBackedByte)
            #expect(try StateCodec.decode(bytes) { _ in "জন্ম নিবন্ধন" } == state, "\(vectorTime) \(dotTime)")
            #expect(try StateCodec.decode(Self.asWrittenByV9(bytes)) { _ in "জন্ম নিবন্ধন" } == state, "the v9 stored form is read too")
        }
        var state = RecordState()
        state.write(["name": .text("জন্ম নিবন্ধন")], dot: Dot(node: Self.a, time: HLCTimestamp(physicalMillis: now.physicalMillis - 3 * day)))
        state.write(["serial": .int(3)], dot: Dot(node: Self.a, time: now))
        let stored = StateCodec.encode(state) { name, _ in name == "name" }
        #expect(Self.asWrittenByV9(stored).count - stored.count == 4, "vector 9 → 6 bytes, a dot 3 days back 6 → 4, the node written out 1 more")
        let oneWrite = StateCodec.encode(Self.state()) { name, _ in name == "name" }
        #expect(Self.asWrittenByV9(oneWrite).count - oneWrite.count >= 4, "name under the dot of _deleted, the field before: no dot index")
    }

    /// Nodes the replica numbered are written by their numbers, the others
    /// by their ids; a number the replica did not give is refused.
    @Test func nodesAreWrittenByTheReplicasNumbers() throws {
        let state = Self.state()
        let onlyA = NodeNumbering(number: { $0 == Self.a ? 7 : nil }, node: { $0 == 7 ? Self.a : nil })
        let written = StateCodec.encode(state) { name, _ in name == "name" }
        let numbered = StateCodec.encode(state, numbering: onlyA) { name, _ in name == "name" }
        #expect(written.count - numbered.count == 2, "a: 0, 1, 'a' → 7")
        #expect(numbered.containsSequence([2, 7, 0, 1, Array("b".utf8)[0]]), "two nodes: a by its number, b written out")
        #expect(try StateCodec.decode(numbered, numbering: onlyA) { _ in "জন্ম নিবন্ধন" } == state)
        #expect { try StateCodec.decode(numbered) { _ in "জন্ম নিবন্ধন" } } throws: { "\($0)".contains("node number 7 is not in this replica's node table") }
        let rewritten = try StateCodec.leavingValuesToRow(StateCodec.encode(state)[...], numbering: onlyA) { name, _ in name == "name" }
        #expect(rewritten == numbered, "a bootstrap's rewrite numbers the same nodes")
    }

    /// Bytes stored before a node had its number, their node table written
    /// again once it has one, are the bytes the state encodes to then; a
    /// number already written stays, and other bytes are refused.
    @Test func numberingNodesLaterGivesTheBytesEncodingThenGives() throws {
        let state = Self.state()
        let onlyA = NodeNumbering(number: { $0 == Self.a ? 7 : nil }, node: { $0 == 7 ? Self.a : nil })
        let both = NodeNumbering(number: { [Self.a: 7, Self.b: 300][$0] }, node: { [7: Self.a, 300: Self.b][$0] })
        let written = StateCodec.encode(state) { name, _ in name == "name" }
        let byA = StateCodec.encode(state, numbering: onlyA) { name, _ in name == "name" }
        let byBoth = StateCodec.encode(state, numbering: both) { name, _ in name == "name" }
        #expect(try StateCodec.numberingNodes(written[...], numbering: onlyA) == byA)
        #expect(try StateCodec.numberingNodes(written[...], numbering: both) == byBoth, "b's number takes two bytes")
        #expect(try StateCodec.numberingNodes(byA[...], numbering: both) == byBoth, "a, already numbered, stays")
        #expect(try StateCodec.numberingNodes(written[...], numbering: .none) == written)
        #expect(try StateCodec.decode(StateCodec.numberingNodes(written[...], numbering: both), numbering: both) { _ in "জন্ম নিবন্ধন" } == state)
        #expect(throws: StateCodecError.self) { try StateCodec.numberingNodes(StateCodec.encode(state)[...], numbering: both) }
        #expect(throws: StateCodecError.self) { try StateCodec.numberingNodes(written.dropLast(written.count - 3), numbering: both) }
    }

    /// The same state as schema v9 stored it: first byte 0x82, nodes and
    /// times as format 2 writes them, and no field under the dot of the one before
    /// (kind 3) but its dot written out.
    static func asWrittenByV9(_ stored: [UInt8]) -> [UInt8] {
        var reader = ByteReader(stored)
        _ = try! reader.byte()
        var out: [UInt8] = [StateCodec.rowBackedV9Byte]
        let nodes = try! reader.count()
        out.appendVarint(UInt64(nodes))
        for _ in 0..<nodes {
            precondition(try! reader.varint() == 0, "a node written out, not numbered")
            out.appendString(try! reader.string())
        }
        let entries = try! reader.count()
        out.appendVarint(UInt64(entries))
        for _ in 0..<entries {
            out.appendVarint(try! reader.varint())
            out.appendVarint(try! reader.storedTime().rawValue)
        }
        let dots = try! reader.count()
        out.appendVarint(UInt64(dots))
        for _ in 0..<dots {
            out.appendVarint(try! reader.varint())
            out.appendVarint(StateCodec.zigzag(try! reader.storedBack()))
        }
        let fields = try! reader.count()
        out.appendVarint(UInt64(fields))
        var lastDot: UInt64 = 0
        for _ in 0..<fields {
            let key = try! reader.varint()
            let kind = key & 3
            out.appendVarint(kind == 3 ? key - 1 : key)
            if key >> 2 == 0 { out.appendString(try! reader.string()) }
            let count = kind == 1 ? try! reader.count() : 1
            if kind == 1 { out.appendVarint(UInt64(count)) }
            for _ in 0..<count {
                if kind != 3 { lastDot = try! reader.varint() }
                out.appendVarint(lastDot)
                guard kind < 2 else { continue }
                let start = reader.position
                try! reader.skipCompactValue()
                out.append(contentsOf: stored[start..<reader.position])
            }
        }
        out.append(contentsOf: stored[reader.position...])
        return out
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
