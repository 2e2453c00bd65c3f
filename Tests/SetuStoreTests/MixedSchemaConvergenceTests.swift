import Foundation
import PropertyBased
import SetuCore
import SetuStore
import SetuTestSupport
import Testing

/// A fleet halfway through an upgrade: two replicas speak a newer schema
/// (`products.weight_grams` and a `stalls` collection with a counter), three
/// the current one, and the final exchange is a star through one of the
/// older three. Every replica must then hold byte-identical states, each
/// schema group show identical rows and conflicts, none have set anything
/// aside, and no write be lost, the newer fields and collection included:
/// they survived a round trip through older nodes. An older replica
/// upgraded afterwards shows the newer rows without another sync.
@Suite struct MixedSchemaConvergenceTests {
    static let schemas: [Schema] = [TestSchemas.newer, TestSchemas.newer, .current, .current, .current]
    static let olderHub = 2

    @Test(.shrinking(false)) func aMixedFleetConvergesAndLosesNoWrite() async throws {
        let counter = CaseCounter()
        await propertyCheck(count: ConvergenceTests.cases, input: Gen.uint64().array(of: 5...50)) { (program: [UInt64]) async throws in
            // A case is synchronous SQLite work: let the rest of the suite
            // have the cooperative threads between cases (two cores, two threads).
            await Task.yield()
            counter.increment()
            let world = try World(replicaCount: Self.schemas.count, schemas: Self.schemas)
            for word in program { try world.step(word) }
            try world.exchange(through: Self.olderHub)
            try Self.checkConverged(world)
        }
        #expect(counter.value == ConvergenceTests.cases)
    }

    static func checkConverged(_ world: World) throws {
        let replicas = world.replicas
        let states = try replicas.map { try $0.stateDump() }
        #expect(Set(states).count == 1, "states differ")
        for version in Set(replicas.map(\.schema.version)) {
            let group = replicas.filter { $0.schema.version == version }
            #expect(Set(try group.map { try $0.rowDump() }).count == 1, "rows differ among schema \(version)")
            let conflicts = try group.map { try $0.conflicts() }
            #expect(conflicts.allSatisfy { $0 == conflicts[0] }, "conflicts differ among schema \(version)")
        }
        for replica in replicas {
            #expect(try replica.rejections().isEmpty, "\(replica.node) set something aside")
            #expect(try replica.stampOutsideWrites().isEmpty)
        }
        try world.checkNothingLost(in: replicas[0])
        // An older replica upgraded: the newer rows and conflicts, no sync.
        try world.upgrade(Self.olderHub, to: TestSchemas.newer)
        let upgraded = world.replicas[Self.olderHub]
        #expect(try upgraded.stateDump() == states[0])
        #expect(try upgraded.rowDump() == replicas[0].rowDump(), "the upgraded replica shows what the newer ones do")
        #expect(try upgraded.conflicts() == replicas[0].conflicts())
    }
}
