import SetuCore
import Testing

/// Moving a node's late dots (stamped while its clock ran ahead) back.
@Suite struct RecordStateRestampTests {
    let office: NodeID = "office"
    let other: NodeID = "other"
    let limit = HLCTimestamp(physicalMillis: 2_000)

    func at(_ millis: UInt64, _ node: NodeID) -> Dot { Dot(node: node, time: HLCTimestamp(physicalMillis: millis)) }

    @Test func onlyTheNodesLateDotsMove() throws {
        var state = RecordState()
        state.write(["name": .text("a"), "fee": .text("x")], dot: at(1_000, office))
        state.write(["fee": .text("y")], dot: at(1_500, other))
        state.write(["name": .text("b")], dot: at(9_000, office))
        let moved = try #require(state.restamped(node: office, after: limit, to: HLCTimestamp(physicalMillis: 1_600)))
        #expect(moved.vector[office] == HLCTimestamp(physicalMillis: 1_600))
        #expect(moved.vector[other] == HLCTimestamp(physicalMillis: 1_500))
        #expect(moved.siblings(of: "name").map(\.dot) == [at(1_600, office)])
        #expect(moved.siblings(of: "fee").map(\.dot) == [at(1_500, other)], "another node's dot stays")
        #expect(state.restamped(node: other, after: limit, to: .zero) == nil, "nothing of other's is late")
    }

    /// A peer that holds the node's earlier, accepted write takes the moved
    /// one as newer: the move never makes a write look already seen.
    @Test func theMovedWriteStillSupersedesWhatPeersHold() throws {
        var accepted = RecordState()
        accepted.write(["name": .text("a")], dot: at(1_000, office))
        var local = accepted
        local.write(["name": .text("b")], dot: at(9_000, office))
        let moved = try #require(local.restamped(node: office, after: limit, to: HLCTimestamp(physicalMillis: 1_001)))
        let atPeer = accepted.merged(with: moved)
        #expect(atPeer == moved.merged(with: accepted))
        #expect(atPeer.siblings(of: "name").map(\.value) == [.text("b")])
    }

    @Test func latestTimeSkipsWhatIsPastTheLimit() {
        var state = RecordState()
        state.write(["name": .text("a")], dot: at(1_000, other))
        state.write(["name": .text("b")], dot: at(9_000, office))
        #expect(state.latestTime(notAfter: limit) == HLCTimestamp(physicalMillis: 1_000))
    }
}
