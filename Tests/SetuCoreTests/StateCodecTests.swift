import Foundation
import PropertyBased
import SetuCore
import Synchronization
import Testing

@Suite struct StateCodecTests {
    @Test func roundTripsEveryReachableState() async {
        await propertyCheck(count: 200, input: Gen.uint64().array(of: 1...40)) { (program: [UInt64]) throws in
            for state in History(program: program).pool {
                for format in StateFormat.allCases {
                    let bytes = StateCodec.encode(state, format: format)
                    #expect(StateFormat(of: bytes) == format)
                    let decoded = try StateCodec.decode(bytes)
                    #expect(decoded == state)
                    #expect(StateCodec.encode(decoded, format: format) == bytes)
                    #expect(try StateCodec.transcode(bytes, to: .current) == StateCodec.encode(state))
                }
            }
        }
    }

    @Test func keepsBengaliTextByteExact() throws {
        var state = RecordState()
        let text = "জন্ম নিবন্ধন সনদ — ফি ৫০ টাকা"
        state.write(["name": .text(text), "n": .int(-42)], dot: Dot(node: "office-a", time: HLCTimestamp(physicalMillis: 7)))
        let decoded = try StateCodec.decode(StateCodec.encode(state))
        guard case .text(let back) = decoded.siblings(of: "name").first?.value else { Issue.record("lost text"); return }
        #expect(Array(back.utf8) == Array(text.utf8))
        #expect(decoded.siblings(of: "n").first?.value == .int(-42))
    }

    /// Format 2 pinned byte for byte: names by number, one dot for the
    /// fields one write set, clocks counted back from the vector, a text's
    /// length in its tag, a name the frozen list lacks spelt out. A reader
    /// of another release must read exactly these bytes.
    @Test func format2IsTheseBytes() throws {
        let a: NodeID = "a", b: NodeID = "b"
        var state = RecordState()
        state.write(["fee": .int(-3), "name": .text("সেবা")], dot: Dot(node: a, time: HLCTimestamp(rawValue: 1_000)))
        state.write(["fee": .int(5)], dot: Dot(node: b, time: HLCTimestamp(rawValue: 990)))
        state.write(["weight_grams": .null], dot: Dot(node: a, time: HLCTimestamp(rawValue: 1_002)))
        let expected = [
            "02",
            "02 0161 0162",                     // nodes a, b
            "02 00ea07 01de07",                 // vector a@1002, b@990
            "03 0100 0004 0000",                // dots b@990, a@1000 (2 back, zigzag 4), a@1002
            "04",                               // four fields, in name order:
            "02 02 01",                         //   _deleted (number 1, one sibling): dot 2, false
            "1a 00 030a",                       //   fee (13): dot 0, int 5
            "22 01 10e0a6b8e0a787e0a6ace0a6be", //   name (17): dot 1, 12 bytes of text
            "00 0c7765696768745f6772616d73 02 00", // weight_grams spelt out: dot 2, null
            "00",                               // no counters
        ].joined().filter { $0 != " " }
        let bytes = StateCodec.encode(state)
        #expect(Hex.encode(bytes) == expected)
        #expect(try StateCodec.decode(bytes) == state)
        #expect(bytes.count < StateCodec.encode(state, format: .v1).count, "format 2 is the smaller")
    }

    /// What only one encoding may hold is refused, so equal states never
    /// arrive as different bytes: a number past the list, a name spelt out
    /// that has a number, one sibling flagged as several, a dot no field
    /// uses, dots or fields out of order.
    @Test func format2RefusesWhatIsNotCanonical() throws {
        func refused(_ hex: String) -> Bool {
            let digits = Array(hex.filter { $0 != " " })
            let bytes = stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
            return (try? StateCodec.decode(bytes)) == nil
        }
        let head = "02 0101 61 01 00 0a 01 00 00"          // node a, vector a@10, one dot a@10
        #expect(!refused(head + "01 02 00 01 00"), "the well-formed state: _deleted false")
        #expect(refused(head + "01 ee01 00 01 00"), "field number 119 is not in the list")
        #expect(refused(head + "01 00 08 5f64656c65746564 00 01 00"), "_deleted spelt out")
        #expect(refused(head + "01 03 01 00 01 00"), "several siblings, counted one")
        #expect(refused("02 0101 61 01 00 0a 02 00 02 00 00 01 02 01 01 00"), "dot 0 unused")
        #expect(refused("02 0101 61 01 00 0a 02 00 00 00 02 01 02 01 01 00"), "dots out of order")
        #expect(refused(head + "02 1a 00 0300 02 00 01 00"), "fields out of order")
        #expect(refused(head + "02 22 00 0300 1a 00 0300 00"), "numbered fields out of order")
        #expect(refused(head + "02 00 0161 00 0300 02 00 01 00"), "a spelt-out field before _deleted")
        #expect(refused("02 0101 61 01 00 8a00 01 00 00 01 02 00 01 00"), "a varint longer than it needs")
        #expect(refused("02 02 0162 0161 01 01 0a 01 01 00 01 02 00 01 00"), "node table out of order")
        #expect(refused("02 02 0161 0162 01 00 0a 01 00 00 01 02 00 01 00"), "node b named but unused")
    }

    /// Format 2's decoder takes only canonical bytes: states from random
    /// histories, damaged by changed, dropped or inserted bytes, either fail
    /// to decode or decode to a state whose encoding is exactly those bytes
    /// (`StatesPage` takes format 2 on the decoder's word).
    @Test func format2DecodesOnlyCanonicalBytes() async {
        let edits = Gen.uint64().array(of: 1...3)
        final class Count: Sendable { let value = Atomic<Int>(0) }
        let decodedDamaged = Count()
        await propertyCheck(count: 2_000, input: Gen.uint64().array(of: 1...30), edits) { (program: [UInt64], edits: [UInt64]) throws in
            for state in History(program: program).pool.prefix(4) {
                var bytes = StateCodec.encode(state)
                for edit in edits {
                    let at = Int(edit % UInt64(bytes.count))
                    switch edit >> 62 {
                    case 0: bytes.remove(at: at)
                    case 1: bytes.insert(UInt8(truncatingIfNeeded: edit >> 8), at: at)
                    default: bytes[at] = UInt8(truncatingIfNeeded: edit >> 8)
                    }
                    if bytes.isEmpty { break }
                }
                guard let decoded = try? StateCodec.decode(bytes), bytes.first == StateFormat.v2.rawValue else { continue }
                #expect(StateCodec.encode(decoded) == bytes, "\(Hex.encode(bytes)) decodes, but is not canonical")
                decodedDamaged.value.add(1, ordering: .relaxed)
            }
        }
        let decoded = decodedDamaged.value.load(ordering: .relaxed)
        #expect(decoded > 100, "damaged states that still decode (a changed value byte, say): \(decoded)")
    }

    /// The frozen list is in byte order (the decoder's order check relies on
    /// it) and names each field once.
    @Test func theFrozenNamesAreInByteOrder() {
        let names = StateFieldNames.frozen
        #expect(zip(names, names.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func refusesDamagedBytes() {
        #expect(throws: StateCodecError.self) { try StateCodec.decode([UInt8]()) }
        #expect(throws: StateCodecError.self) { try StateCodec.decode([9, 0, 0, 0, 0]) }
        #expect(throws: StateCodecError.self) { try StateCodec.decode([1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) }
        var good = StateCodec.encode(History(program: [1, 2, 3, 4]).states[1])
        good.append(0)
        #expect(throws: StateCodecError.self) { try StateCodec.decode(good) }
    }
}
