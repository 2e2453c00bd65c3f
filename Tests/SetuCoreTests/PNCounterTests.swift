import SetuCore
import Testing

/// Counter arithmetic is bounded: no entry or total can wrap around.
@Suite struct PNCounterTests {
    @Test func valueOfAFullCounterIsExactAndTheBoundHolds() {
        let full = PNCounter(["a": .init(increments: PNCounter.maxTotal), "b": .init(decrements: PNCounter.maxTotal)])
        #expect(full.isWithinBounds)
        #expect(full.value == 0)
        let past = PNCounter(["a": .init(increments: PNCounter.maxTotal), "b": .init(increments: 1)])
        #expect(!past.isWithinBounds, "the sum of increments over nodes is bounded, not only each entry")
    }

    @Test func hugeEntriesNeitherWrapNorTrap() {
        // Two entries whose sum wraps Int64 (and UInt64): the value saturates.
        let huge = PNCounter(["a": .init(increments: .max), "b": .init(increments: .max)])
        #expect(!huge.isWithinBounds)
        #expect(huge.value == .max)
        let negative = PNCounter(["a": .init(decrements: .max), "b": .init(decrements: 1 << 62)])
        #expect(negative.value == .min + 1)
        var counter = PNCounter(["a": .init(increments: .max - 1)])
        counter.adjust(by: .max, at: "a")
        #expect(counter.totals["a"]?.increments == .max)
        #expect(PNCounter.delta(from: .min, to: .max) == .max)
    }

    @Test func entriesOfOtherNodesAheadOfTheKnownCounterAreFound() {
        let known = PNCounter(["b": .init(increments: 5, decrements: 1)])
        let pushed = PNCounter(["a": .init(increments: 100), "b": .init(increments: 5, decrements: 2), "c": .init(increments: 1)])
        #expect(pushed.entriesAhead(of: known, except: "a") == ["b", "c"])
        #expect(PNCounter(["a": .init(increments: 9), "b": .init(increments: 5)]).entriesAhead(of: known, except: "a").isEmpty)
    }

    @Test func aStateWithACounterOutsideItsBoundsIsRefused() {
        var state = RecordState()
        state.write(["office": .text("district:khulna"), "title": .text("কাঁথা")], counterDeltas: ["stock": 1], dot: Dot(node: "a", time: HLCTimestamp(physicalMillis: 1_800_000_000_000)))
        #expect(state.problem(in: Collections.products) == nil)
        state.counters["stock"] = PNCounter(["a": .init(increments: PNCounter.maxTotal + 1)])
        #expect(state.problem(in: Collections.products)?.contains("outside its bounds") == true)
    }
}
