import Foundation
import SetuCore
import SetuStore
import Testing

/// The hub as the time reference, at the replica: a PC clock years off is
/// corrected by the offset measured from the hub, writes stamped while it
/// ran ahead move back near the hub's time, and what was set aside for the
/// clock is applied or sent once it is corrected.
@Suite struct ClockCorrectionTests {
    static let day: UInt64 = 86_400_000
    static let real: UInt64 = 1_800_000_000_000

    @Test func aHubStateSetAsideForTheClockIsAppliedOnceTheClockIsCorrected() throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock(Self.real)
        let hubSide = try Replica(path: dir.file("hub.sqlite"), node: "hub", options: ReplicaOptions(now: clock.source))
        try hubSide.put("services", id: "s1", Fixtures.service())
        let states = try hubSide.feed(after: 0, limit: 10).entries.map(\.record)

        // The office's clock is 20 years behind: the hub's state is "ahead".
        let behind = ManualClock(Self.real - 7300 * Self.day)
        let office = try Replica(path: dir.file("office.sqlite"), node: "office", options: ReplicaOptions(now: behind.source))
        let report = try office.apply(states, from: "hub", cursor: "1")
        #expect(report.rejected.count == 1)
        #expect(try office.record("services", id: "s1") == nil)
        #expect(try office.rejections().map(\.kind) == [.received])

        let correction = try office.adoptHubClock(offsetMillis: Int64(7300 * Self.day))
        #expect(correction.jumped)
        let retried = try office.retryDueRejects()
        #expect(retried.map(\.result) == [.applied])
        #expect(try office.record("services", id: "s1")?.values?["name"] == .text("জন্ম নিবন্ধন"))
        #expect(try office.rejections().isEmpty)
        #expect(office.now() == Self.real)
    }

    @Test func writesStampedAheadMoveBackAndAreSentAgainPastTheCursor() throws {
        let dir = TemporaryDirectory()
        let ahead = ManualClock(Self.real + 1095 * Self.day)
        let office = try Replica(path: dir.file("office.sqlite"), node: "office", options: ReplicaOptions(now: ahead.source))
        let early = try office.put("services", id: "s1", Fixtures.service())
        try office.put("services", id: "s2", Fixtures.service(serial: 2))
        #expect(early.dot.time.physicalMillis == Self.real + 1095 * Self.day)
        // The hub refused both for their time; the push cursor moved past.
        for id in ["s1", "s2"] { try office.noteRefused("services", id: id, by: "hub", reason: "written at a time more than 3600 s ahead") }
        try office.acknowledgePush(to: "hub", upTo: try office.feedHead())
        #expect(try office.feed(after: try office.pushCursor(to: "hub"), limit: 10).entries.isEmpty)

        let correction = try office.adoptHubClock(offsetMillis: -Int64(1095 * Self.day))
        #expect(correction.restamped == 2)
        let unsent = try office.feed(after: try office.pushCursor(to: "hub"), limit: 10).entries
        #expect(unsent.map(\.record.id) == ["s1", "s2"], "in their order of writing")
        for entry in unsent {
            let own = try #require(entry.record.state.vector["office"])
            #expect(own.physicalMillis <= Self.real, "never later than the hub's time: it cannot win a conflict by it")
        }
        #expect(try office.record("services", id: "s1")?.values?["name"] == .text("জন্ম নিবন্ধন"), "values unchanged")
        // Stamps from now on are near the hub's time, after the moved ones.
        let next = try office.patch("services", id: "s1", ["fee": .text("১০ টাকা")])
        #expect(next.dot.time.physicalMillis == Self.real)
        #expect(next.dot.time > unsent[1].record.state.vector["office"]!)
        #expect(try office.adoptHubClock(offsetMillis: -Int64(1095 * Self.day)).restamped == 0, "nothing left to move")
    }

    @Test func aWriteAcceptedWithinTheBoundIsNeverMoved() throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock(Self.real + 30 * 60_000)
        let office = try Replica(path: dir.file("office.sqlite"), node: "office", options: ReplicaOptions(now: clock.source))
        let write = try office.put("services", id: "s1", Fixtures.service())
        let correction = try office.adoptHubClock(offsetMillis: -30 * 60_000)
        #expect(correction.restamped == 0 && !correction.jumped)
        #expect(try office.record("services", id: "s1")?.state.vector["office"] == write.dot.time)
    }

    @Test func theOffsetSurvivesARestart() throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock(Self.real - 7300 * Self.day)
        do {
            let office = try Replica(path: dir.file("office.sqlite"), node: "office", options: ReplicaOptions(now: clock.source))
            try office.adoptHubClock(offsetMillis: Int64(7300 * Self.day))
        }
        let again = try Replica(path: dir.file("office.sqlite"), node: "office", options: ReplicaOptions(now: clock.source))
        #expect(again.now() == Self.real)
        #expect(try again.put("services", id: "s1", Fixtures.service()).dot.time.physicalMillis == Self.real)
    }
}
