import Foundation
import GRDB
import SetuCore
@testable import SetuStore
import Testing

/// Status counts the local changes the hub lacks on every call, and an
/// office offline for weeks, or one that imported its charter before its
/// first sync, has many: the count must come from the index alone. Read
/// through the table, it took 52 ms for 100,000 pending changes (a status
/// call 75-88 ms), and a sync tried with the hub away counts four times.
@Suite struct UnsentCountTests {
    let dir = TemporaryDirectory()
    var path: String { dir.file("r.sqlite") }

    func plan(of sql: String) throws -> String {
        try sqlite3(path, "EXPLAIN QUERY PLAN \(sql.replacingOccurrences(of: "?", with: "0"));").output
    }

    @Test func thePendingCountReadsTheUnsentIndexAlone() throws {
        let replica = try Replica(path: path, node: "office-a")
        for serial in 1...3 { try replica.put("services", id: "s\(serial)", Fixtures.service(serial: Int64(serial))) }

        let plan = try plan(of: Replica.unsentCountSQL)
        #expect(plan.contains("USING COVERING INDEX setu_records_unsent"), "the count reads each row of the table: \(plan)")
        #expect(try replica.summary(for: Replica.hub).pendingPush == 3)
    }

    /// A replica written before the index held `known_to` gets the new
    /// index, and counts the same changes.
    @Test func aReplicaWithTheOldIndexGetsTheCoveringOneAndKeepsItsCount() throws {
        do {
            let replica = try Replica(path: path, node: "office-a")
            for serial in 1...3 { try replica.put("services", id: "s\(serial)", Fixtures.service(serial: Int64(serial))) }
        }
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "DROP INDEX setu_records_unsent")
            try db.execute(sql: "CREATE INDEX setu_records_unsent ON setu_records (seq) WHERE known_to IS NULL")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier > 'v10-records-keyed-by-id' AND identifier LIKE 'v1_-%'")
        }
        #expect(try !plan(of: Replica.unsentCountSQL).contains("COVERING"))

        let replica = try Replica(path: path, node: "office-a")
        #expect(try plan(of: Replica.unsentCountSQL).contains("USING COVERING INDEX setu_records_unsent"))
        #expect(try replica.summary(for: Replica.hub).pendingPush == 3)
        // Pushed, they leave the count, as before.
        try replica.acknowledgePush(to: Replica.hub, upTo: 2)
        #expect(try replica.summary(for: Replica.hub).pendingPush == 1)
    }
}
