import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import SetuCore
import SetuHub
import SetuProtocol
import SetuStore
import SetuSync
import Testing

/// Tombstone purge with a horizon (DESIGN §8), through the hub's real
/// router and real replicas, on both backends.
@Suite struct PurgeTests {
    @Test(arguments: Backend.allCases)
    func aDeletionEveryNodeHasSeenIsPurgedAtTheHubAndAtTheOffices(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            try await Application(router: hub.router).test(.router) { client in
                let world = try await PurgeWorld(harness: hub, client: client, nodes: 2)
                try world.put(0, "s1", "জন্ম নিবন্ধন")
                try world.put(0, "s2", "মৃত্যু নিবন্ধন")
                try await world.settle()
                try world.replicas[1].delete("services", id: "s1")
                try await world.settle()
                #expect(try world.state(0, "s1")?.isDeleted == true, "a tombstone, before the purge")

                let first = try await world.purge()
                #expect(first.outcome.purged == 1)
                #expect(try await hub.storage.storedState(of: RecordKey(collection: "services", id: "s1")) == nil)
                let synced = try await world.sync(0)
                #expect(synced.forgotten == 1)
                _ = try await world.sync(1)
                for i in 0..<2 {
                    #expect(try world.state(i, "s1") == nil, "n\(i) forgot the tombstone")
                    #expect(try world.replicas[i].record("services", id: "s2")?.values?["name"] == .text("মৃত্যু নিবন্ধন"))
                }
                #expect(try world.replicas[0].stateDump() == world.replicas[1].stateDump())

                // Both nodes pass the notice (a pull acknowledges what the one
                // before it brought): the next purge drops it, and the feed
                // holds nothing of the record.
                try await world.settle()
                let second = try await world.purge()
                #expect(second.outcome.noticesDropped == 1)
                let rows = try await hub.storage.feed(offices: [PurgeWorld.office], after: 0, limit: 100)
                #expect(rows.map(\.key.id) == ["s2"])
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aNodeThatHasNotPulledTheDeletionHoldsThePurgeBack(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            try await Application(router: hub.router).test(.router) { client in
                let world = try await PurgeWorld(harness: hub, client: client, nodes: 3)
                try world.put(0, "s1", "ক")
                try await world.settle()
                try world.replicas[0].delete("services", id: "s1")
                _ = try await world.sync(0)
                _ = try await world.sync(1)
                // n2 has not pulled since; nine days is within the horizon.
                hub.clock.advance(days: 9)
                _ = try await world.sync(0)
                _ = try await world.sync(1)
                let held = try await world.purge()
                #expect(held.outcome.purged == 0)
                #expect(held.plan.away.isEmpty)
                // An older setud (no Setu-Purge) has pulled everything, but
                // does not apply notices: it holds purges back too.
                let older = try await hub.addNode("older", offices: [PurgeWorld.office])
                _ = try await world.sync(2)
                let page = try await client.send(.get, "/v1/pull?limit=100", token: older)
                #expect(page.status == .ok)
                #expect(try await world.purge().outcome.purged == 0)
                #expect(try world.state(2, "s1")?.isDeleted == true)
            }
        }
    }

    /// `noticesGone`: a second purge dropped the notices too before n1 came back.
    @Test(arguments: Backend.allCases, [false, true])
    func aNodeAwayPastTheHorizonReBootstrapsByItselfAndKeepsItsUnsentChanges(_ backend: Backend, noticesGone: Bool) async throws {
        try await HubHarness.with(backend) { hub in
            try await Application(router: hub.router).test(.router) { client in
                let world = try await PurgeWorld(harness: hub, client: client, nodes: 2)
                for id in ["s1", "s2", "s3", "s4", "s5"] { try world.put(0, id, "পুরনো \(id)") }
                try await world.settle()
                // n1 goes away. n0 deletes s1 and s2; n1, offline, edits s2
                // (concurrent with its deletion) and s3.
                try world.replicas[0].delete("services", id: "s1")
                try world.replicas[0].delete("services", id: "s2")
                let editOfDeleted = try world.replicas[1].patch("services", id: "s2", ["name": .text("দূরের সম্পাদনা")])
                let edit = try world.replicas[1].patch("services", id: "s3", ["name": .text("নতুন s3")])
                hub.clock.advance(days: 11)
                _ = try await world.sync(0)
                _ = try await world.sync(0)
                let purge = try await world.purge()
                #expect(purge.plan.away == ["n1"])
                #expect(purge.outcome.purged == 2)
                if noticesGone {
                    _ = try await world.sync(0)
                    _ = try await world.sync(0)
                    #expect(try await world.purge().outcome.noticesDropped == 2)
                }

                let back = try await world.sync(1)
                #expect(back.rebootstrapKept == 2, "the two unsent edits are kept")
                // s1, purged while n1 was away: dropped by its notice, or at
                // the end of the re-bootstrap if the notice was gone too.
                #expect(back.forgotten + (back.rebootstrapDropped ?? -1) == 1)
                #expect(back.rebootstrapDropped == (noticesGone ? 1 : 0))
                #expect(back.pushedRecords == 2)
                #expect(try world.replicas[1].rebootstrapPending() == 0)
                #expect(try world.state(1, "s1") == nil)
                _ = try await world.sync(0)
                // Nothing lost: both edits reach n0; s2 comes back with n1's
                // edit (the deletion it was concurrent with is forgotten).
                let s3 = try #require(try world.replicas[0].record("services", id: "s3"))
                #expect(s3.state.vector.contains(edit.dot) && s3.values?["name"] == .text("নতুন s3"))
                let s2 = try #require(try world.replicas[0].record("services", id: "s2"))
                #expect(s2.state.vector.contains(editOfDeleted.dot) && s2.values?["name"] == .text("দূরের সম্পাদনা"))
                try await world.settle()
                #expect(try world.replicas[0].stateDump() == world.replicas[1].stateDump())
                #expect(try world.replicas[1].pendingPushCount(to: SyncEngine.hub) == 0)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aCursorFromBeforeAPurgeIsRefusedWith410AndAPullFromTheStartIsNot(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            try await Application(router: hub.router).test(.router) { client in
                let world = try await PurgeWorld(harness: hub, client: client, nodes: 1)
                let token = try await hub.addNode("away", offices: [PurgeWorld.office])
                let purging: HTTPFields = [HTTPField.Name(SyncHeader.purge)!: "1"]
                for id in ["s1", "s2", "s3", "s4"] { try world.put(0, id, "ক") }
                _ = try await world.sync(0)
                let early = try PullResponse(json: try await client.send(.get, "/v1/pull?limit=2", token: token, headers: purging).json)
                try world.replicas[0].delete("services", id: "s4")
                _ = try await world.sync(0)
                hub.clock.advance(days: 11)
                _ = try await world.sync(0)
                _ = try await world.sync(0)
                #expect(try await world.purge().outcome.purged == 1)

                let stale = try await client.send(.get, "/v1/pull?cursor=\(early.cursor)", token: token, headers: purging)
                #expect(stale.status.code == 410)
                #expect(try ErrorBody(json: stale.json).code == ErrorBody.resyncRequired)
                // From the start, page by page: never refused, though the
                // pages' positions lie below the purge.
                var cursor = ""
                var ids: [String] = []
                while true {
                    let response = try await client.send(.get, "/v1/pull?limit=1&cursor=\(cursor)", token: token, headers: purging)
                    guard response.status == .ok else { #expect(response.status == .noContent); break }
                    let page = try PullResponse(json: response.json)
                    ids += page.records.map(\.id)
                    cursor = page.cursor
                    if !page.more { break }
                }
                #expect(ids == ["s1", "s2", "s3"])
                let bad = try await client.send(.get, "/v1/pull?cursor=1.2.3", token: token, headers: purging)
                #expect(bad.status == .badRequest)
            }
        }
    }

    @Test func thePlanLeavesOutReadersAwayPastTheHorizonAndHoldsForTheRest() {
        let day: Int64 = 86_400_000
        let now = 100 * day
        let readers = [
            PurgePlan.Reader(name: "a", offices: ["upazila:rupsha"], acknowledged: 40, lastSeenMillis: now - day),
            PurgePlan.Reader(name: "b", offices: ["upazila:rupsha", "upazila:dighalia"], acknowledged: 25, lastSeenMillis: now - 2 * day),
            PurgePlan.Reader(name: "gone", offices: ["upazila:rupsha"], acknowledged: 3, lastSeenMillis: now - 11 * day),
        ]
        let plan = PurgePlan(offices: ["upazila:rupsha", "upazila:dighalia", "upazila:batiaghata", "all:bd"], readers: readers,
                             nowMillis: now, horizonMillis: 10 * day)
        #expect(plan.away == ["gone"])
        #expect(plan.floors["upazila:rupsha"] == .some(25))
        #expect(plan.floors["upazila:dighalia"] == .some(25))
        #expect(plan.floors["all:bd"] == .some(25), "every reader gets national records")
        #expect(plan.floors["upazila:batiaghata"] == .some(nil), "nobody reads it: everything may go")
    }
}
