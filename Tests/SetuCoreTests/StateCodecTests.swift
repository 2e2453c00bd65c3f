import Foundation
import PropertyBased
import SetuCore
import Testing

@Suite struct StateCodecTests {
    @Test func roundTripsEveryReachableState() async {
        await propertyCheck(count: 200, input: Gen.uint64().array(of: 1...40)) { (program: [UInt64]) throws in
            for state in History(program: program).pool {
                let bytes = StateCodec.encode(state)
                let decoded = try StateCodec.decode(bytes)
                #expect(decoded == state)
                #expect(StateCodec.encode(decoded) == bytes)
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

    @Test func refusesDamagedBytes() {
        #expect(throws: StateCodecError.self) { try StateCodec.decode([UInt8]()) }
        #expect(throws: StateCodecError.self) { try StateCodec.decode([9, 0, 0, 0, 0]) }
        #expect(throws: StateCodecError.self) { try StateCodec.decode([1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) }
        var good = StateCodec.encode(History(program: [1, 2, 3, 4]).states[1])
        good.append(0)
        #expect(throws: StateCodecError.self) { try StateCodec.decode(good) }
    }
}
