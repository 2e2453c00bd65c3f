import Foundation
import GRDB
import SetuCore
@testable import SetuStore
import SetuTestSupport
import Testing

/// Schema v10: `setu_records` keyed by (collection, id), without the rowid
/// table's second copy of every key; the feed's head kept in `setu_meta`.
@Suite struct RecordsKeyedByIDTests {
    let dir = TemporaryDirectory()
    var path: String { dir.file("r.sqlite") }

    /// A v9 replica (rowid table, its key index, an office's unsent and
    /// pulled states, a head above the last row) upgrades with every state,
    /// feed position and count as it was, and hands out the next position.
    @Test func theUpgradeKeepsStatesPositionsAndTheHead() throws {
        let before: (dump: String, feed: [Int64], summary: ReplicaSummary)
        do {
            let replica = try Replica(path: path, node: "office-a")
            try replica.put("services", id: "s1", Fixtures.service())
            try replica.put("services", id: "s2", Fixtures.service(serial: 2))
            let hub = try Replica(path: dir.file("hub.sqlite"), node: "office-b")
            try hub.put("products", id: "p1", Fixtures.product(stock: 4))
            try replica.apply(try hub.feed(after: 0, limit: 10).entries.map(\.record), from: Replica.hub)
            try replica.acknowledgePush(to: Replica.hub, upTo: 1)
            try replica.put("services", id: "s3", Fixtures.service(serial: 3))
            try replica.delete("services", id: "s3")
            before = (try replica.stateDump(), try replica.feed(after: 0, limit: 10).entries.map(\.seq), try replica.summary(for: Replica.hub))
        }
        try DatabaseQueue(path: path).write { db in try Self.undoRecordsKeyedByID(db, feedTop: 3) }
        #expect(try sqlite3(path, "SELECT max(seq) FROM setu_records;").output == "5\n")

        let replica = try Replica(path: path, node: "office-a")
        #expect(try sqlite3(path, "SELECT sql LIKE '%WITHOUT ROWID' FROM sqlite_master WHERE name = 'setu_records';").output == "1\n")
        #expect(try sqlite3(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'setu_records' AND sql IS NOT NULL;").output == "3\n",
                "the three partial indexes, and no key index beside the table")
        #expect(try sqlite3(path, "SELECT id FROM setu_records WHERE known_to = '';").output == "p1\n", "the hub is written as ''")
        #expect(try sqlite3(path, "SELECT DISTINCT collection FROM setu_records ORDER BY 1;").output == "1\n3\n", "services and products by number")
        #expect(try replica.stateDump() == before.dump)
        #expect(try replica.feed(after: 0, limit: 10).entries.map(\.seq) == before.feed)
        #expect(try replica.summary(for: Replica.hub) == before.summary)
        #expect(try replica.feedHead() == 5, "max(seq), above the older feed_top")
        let receipt = try replica.put("services", id: "s4", Fixtures.service(serial: 4))
        #expect(try replica.feed(after: 5, limit: 10).entries.map(\.seq) == [6])
        #expect(receipt.fields["serial"] == .int(4))
    }

    /// Dropping the record at the head (a purge notice) leaves the head
    /// where it was: a position handed out again at or below the push
    /// cursor would count a new write as pushed.
    @Test func theHeadStaysWhenItsRecordIsDropped() throws {
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("services", id: "s1", Fixtures.service())
        try replica.put("services", id: "s2", Fixtures.service(serial: 2))
        try sqlite3(path, "DELETE FROM setu_records WHERE id = 's2';")
        #expect(try replica.feedHead() == 2)
        try replica.put("services", id: "s3", Fixtures.service(serial: 3))
        #expect(try replica.feed(after: 0, limit: 10).entries.map(\.seq) == [1, 3])
    }

    /// What a replica of the release before v10 held: a rowid table keyed
    /// by `seq` beside a unique index of (collection, id), the hub named
    /// in `known_to`, a `feed_top` set only by purges, no node numbers.
    static func undoRecordsKeyedByID(_ db: Database, feedTop: Int64?) throws {
        try db.execute(sql: """
            CREATE TABLE setu_records_v9 (
              seq INTEGER PRIMARY KEY,
              collection TEXT NOT NULL,
              id TEXT NOT NULL,
              state BLOB NOT NULL,
              known_to TEXT,
              conflicts INTEGER NOT NULL DEFAULT 0,
              UNIQUE (collection, id)
            ) STRICT
            """)
        try db.execute(sql: """
            INSERT INTO setu_records_v9
            SELECT seq, \(CollectionKey.nameSQL("collection")), id, state, CASE known_to WHEN '' THEN 'hub' ELSE known_to END, conflicts FROM setu_records
            """)
        try db.execute(sql: "DROP TABLE setu_records")
        try db.execute(sql: "ALTER TABLE setu_records_v9 RENAME TO setu_records")
        try db.execute(sql: "CREATE INDEX setu_records_conflicts ON setu_records (collection, id) WHERE conflicts > 0")
        try db.execute(sql: "CREATE INDEX setu_records_unsent ON setu_records (seq) WHERE known_to IS NULL")
        try db.execute(sql: "CREATE INDEX setu_records_relayed ON setu_records (seq) WHERE known_to IS NOT NULL AND known_to <> 'hub'")
        if let feedTop {
            try db.execute(sql: "UPDATE setu_meta SET value = ? WHERE key = 'feed_top'", arguments: [feedTop])
        } else {
            try db.execute(sql: "DELETE FROM setu_meta WHERE key = 'feed_top'")
        }
        // v9 had no node numbers: every state names its nodes.
        for row in try Row.fetchAll(db, sql: "SELECT collection, id, state FROM setu_records") {
            let state = try StoredState.decode(row["state"] as Data, CollectionKey.name(row["collection"]), row["id"], in: db, schema: .current, numbering: NodeNumbers.inFile(db))
            try db.execute(sql: "UPDATE setu_records SET state = ? WHERE collection = ? AND id = ?",
                           arguments: [Data(StateCodec.encode(state)), row["collection"] as DatabaseValue, row["id"] as String])
        }
        try db.execute(sql: "DROP TABLE setu_nodes")
        try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v10-records-keyed-by-id'")
    }
}
