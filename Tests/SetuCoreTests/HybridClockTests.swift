import PropertyBased
import SetuCore
import Testing

@Suite struct HybridClockTests {
    @Test func ticksStrictlyIncreaseWhateverTheWallClockDoes() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...5_000_000).array(of: 1...200)) { walls in
            var clock = HybridClock()
            var previous = HLCTimestamp.zero
            for wall in walls {
                let t = clock.tick(nowMillis: wall)
                #expect(t > previous)
                #expect(t.physicalMillis >= wall)
                previous = t
            }
        }
    }

    @Test func neverFallsBehindAnAcceptedRemoteTimestamp() async {
        await propertyCheck(count: 200, input: Gen.uint64(in: 0...10_000).array(of: 1...50), Gen.uint64(in: 0...10_000).array(of: 1...50)) { walls, remotes in
            var clock = HybridClock(maxSkewMillis: 20_000)
            for (wall, remote) in zip(walls, remotes) {
                let r = HLCTimestamp(physicalMillis: remote, logical: 3)
                _ = try clock.observe(r, nowMillis: wall, policy: .refuse)
                #expect(clock.tick(nowMillis: wall) > r)
            }
        }
    }

    @Test func logicalOverflowBorrowsTheNextMillisecond() {
        var clock = HybridClock(last: HLCTimestamp(physicalMillis: 100, logical: HLCTimestamp.maxLogical))
        let t = clock.tick(nowMillis: 50)
        #expect(t == HLCTimestamp(physicalMillis: 101, logical: 0))
    }

    @Test func aRemoteTimestampPastTheBoundIsRefusedAndReported() {
        var clock = HybridClock(last: HLCTimestamp(physicalMillis: 1_000), maxSkewMillis: 3_600_000)
        let nextYear = HLCTimestamp(physicalMillis: 1_000 + 365 * 86_400_000)
        #expect(throws: ClockSkewError.self) { try clock.observe(nextYear, nowMillis: 1_000, policy: .refuse) }
        #expect(clock.last == HLCTimestamp(physicalMillis: 1_000), "a refused timestamp must not move the clock")
        do {
            _ = try clock.observe(nextYear, nowMillis: 1_000, policy: .refuse)
        } catch {
            #expect(error.aheadMillis == 365 * 86_400_000)
            #expect(error.description.contains("ahead"))
        }
    }

    @Test func clampingHoldsTheClockAtTheBound() throws {
        var clock = HybridClock(maxSkewMillis: 60_000)
        let farAhead = HLCTimestamp(physicalMillis: 10_000_000)
        let result = try clock.observe(farAhead, nowMillis: 1_000, policy: .clamp)
        #expect(result == .clamped(aheadMillis: 9_999_000))
        #expect(clock.last == HLCTimestamp(physicalMillis: 61_000))
        #expect(clock.tick(nowMillis: 1_000) < farAhead)
    }

    @Test func aTimestampWithinTheBoundIsAccepted() throws {
        var clock = HybridClock(maxSkewMillis: 60_000)
        let slightlyAhead = HLCTimestamp(physicalMillis: 30_000, logical: 7)
        #expect(try clock.observe(slightlyAhead, nowMillis: 1_000, policy: .refuse) == .accepted)
        #expect(clock.last == slightlyAhead)
    }
}
