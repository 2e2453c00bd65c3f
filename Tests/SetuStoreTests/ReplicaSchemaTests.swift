import Foundation
import GRDB
import SetuCore
@testable import SetuStore
import Testing

/// Migrations of replicas written by earlier versions.
@Suite struct ReplicaSchemaTests {
    let dir = TemporaryDirectory()
    var path: String { dir.file("r.sqlite") }

    /// A replica as schema v2 left it: choice fields checked with `IN (…)`,
    /// capture triggers that ask the `setu_capture` switch on every row.
    func makeV2Replica() throws {
        let queue = try DatabaseQueue(path: path)
        try ReplicaSchema.migrator.migrate(queue, upTo: "v2-unsent-index")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO setu_meta (key, value) VALUES ('node', 'office-a')")
            for spec in Collections.all {
                let table = PlainTable.of(spec)
                try db.execute(sql: "DROP TABLE \"\(table.name)\"")
                var create = table.createSQL
                for case let field in spec.fields {
                    guard case .choice(let words) = field.type else { continue }
                    create = create.replacingOccurrences(
                        of: words.map { "\"\(field.name)\" = '\($0)'" }.joined(separator: " OR "),
                        with: "\"\(field.name)\" IN (\(words.map { "'\($0)'" }.joined(separator: ", ")))")
                }
                try db.execute(sql: create)
                for trigger in table.triggerSQL {
                    try db.execute(sql: trigger.replacingOccurrences(of: " BEGIN ", with: " WHEN (SELECT paused FROM setu_capture) = 0 BEGIN "))
                }
            }
        }
    }

    @Test func v3DropsTheCaptureSwitchAndKeepsRowsNotedBeforeIt() throws {
        try makeV2Replica()
        let insert = try sqlite3(path, "INSERT INTO services (id, office, section, serial, name) VALUES ('s1', 'upazila:rupsha', 'citizen', 1, 'জন্ম নিবন্ধন');")
        #expect(insert.status == 0)

        let replica = try Replica(path: path, node: "office-a")
        let schema = try sqlite3(path, "SELECT group_concat(sql, ';') FROM sqlite_master;").output
        #expect(!schema.contains("paused"))
        #expect(!schema.contains(" IN ('"), "a choice is still checked with IN")
        #expect(!schema.contains("setu_v2_"))
        // Three capture and three pre-image triggers per collection.
        #expect(try sqlite3(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger';").output.hasPrefix("18"))
        #expect(try sqlite3(path, "SELECT count(*) FROM sqlite_master WHERE name = 'setu_capture';").output.hasPrefix("0"))

        // The row written under v2 is kept, and stamped once, after the migration.
        #expect(try sqlite3(path, "SELECT name FROM services WHERE id = 's1';").output.hasPrefix("জন্ম নিবন্ধন"))
        let stamped = try replica.stampOutsideWrites()
        #expect(stamped.map(\.id) == ["s1"])
        // Outside writes are still captured; the engine's own are not.
        try sqlite3(path, "UPDATE services SET serial = 2 WHERE id = 's1';")
        #expect(try replica.stampOutsideWrites().first?.fields["serial"] == .int(2))
        try replica.put("services", id: "s2", Fixtures.service())
        try replica.apply([ReplicatedRecord(collection: "services", id: "s3", state: Self.remoteState())], from: "hub")
        #expect(try sqlite3(path, "SELECT count(*) FROM setu_dirty;").output.hasPrefix("0"))
        #expect(try replica.stampOutsideWrites().isEmpty)
        #expect(try replica.recordCount() == 3)
    }

    static func remoteState() -> RecordState {
        var state = RecordState()
        let values = try! Collections.services.validate(Fixtures.service(serial: 3), mode: .whole).values
        state.write(values, dot: Dot(node: "office-b", time: HLCTimestamp(physicalMillis: 1_700_000_000_000)))
        return state
    }
}

/// v8: every state in format 2, whatever release stored it.
@Suite struct StateFormatMigrationTests {
    let dir = TemporaryDirectory()
    var path: String { dir.file("r.sqlite") }

    /// A replica's states as (seq, state), decoded.
    func states() throws -> [Int64: RecordState] {
        try DatabaseQueue(path: path).read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT seq, collection, id, state FROM setu_records").map {
                ($0["seq"] as Int64, try StoredState.decode($0["state"] as Data, CollectionKey.name($0["collection"]), $0["id"], in: db, schema: .current, numbering: NodeNumbers.inFile(db)))
            })
        }
    }

    /// A replica written as a release before format 2 left it: each state
    /// in format 1, v8 not applied.
    func makeFormat1Replica(records: Int) throws {
        do {
            let replica = try Replica(path: path, node: "office-a")
            for i in 0..<records { try replica.put("services", id: "s\(i)", Fixtures.service(serial: Int64(i + 1))) }
            try replica.apply([ReplicatedRecord(collection: "services", id: "remote", state: ReplicaSchemaTests.remoteState())], from: "hub")
            try replica.delete("services", id: "s0")
        }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try ValuesInRowsTests.undoValuesInRows(db)
            for row in try Row.fetchAll(db, sql: "SELECT seq, state FROM setu_records") {
                let format1 = StateCodec.encode(try StateCodec.decode(Array(row["state"] as Data)), format: .v1)
                try db.execute(sql: "UPDATE setu_records SET state = ? WHERE seq = ?", arguments: [Data(format1), row["seq"] as Int64])
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v8-state-format-2'")
        }
    }

    func firstBytes() throws -> [Int] {
        try sqlite3(path, "SELECT DISTINCT unicode(CAST(substr(state, 1, 1) AS TEXT)) FROM setu_records;").output
            .split(separator: "\n").compactMap { Int($0) }
    }

    /// More rows than one batch: every state is re-encoded, equal to what
    /// it was, at the same feed position, and the replica works on.
    @Test func storesEveryStateInFormat2AtTheSameFeedPosition() throws {
        try makeFormat1Replica(records: StateFormatMigration.batch + 150)
        let before = try states()
        #expect(try firstBytes() == [1])
        let sizeBefore = try sqlite3(path, "SELECT sum(length(state)) FROM setu_records;").output

        let replica = try Replica(path: path, node: "office-a")
        // Format 2, the values the rows show left to them (v9), but the
        // deleted record's and the one from the hub's (a null its row shows
        // as it is, not text).
        #expect(try Set(firstBytes()) == [2, Int(StateCodec.rowBackedByte)])
        #expect(try states() == before)
        let sizeAfter = try sqlite3(path, "SELECT sum(length(state)) FROM setu_records;").output
        #expect(Int(sizeAfter.trimmingCharacters(in: .whitespacesAndNewlines))! * 10 < Int(sizeBefore.trimmingCharacters(in: .whitespacesAndNewlines))! * 7,
                "\(sizeAfter) bytes of states after, \(sizeBefore) before")
        try replica.put("services", id: "s1", Fixtures.service(serial: 9_999))
        #expect(try replica.record("services", id: "s1")?.values?["serial"] == .int(9_999))
        #expect(try replica.recordCount() == StateFormatMigration.batch + 151, "the office's records and the one from the hub")
    }

    /// A state that does not decode stops the upgrade, naming its row;
    /// nothing is half-converted.
    @Test func aDamagedStateStopsTheUpgradeNamingItsRow() throws {
        try makeFormat1Replica(records: 3)
        try sqlite3(path, "UPDATE setu_records SET state = X'01FF' WHERE id = 's2';")
        let seq = try sqlite3(path, "SELECT seq FROM setu_records WHERE id = 's2';").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect { try Replica(path: path, node: "office-a") } throws: { "\($0)".contains("row \(seq)") }
        #expect(try firstBytes() == [1])
    }
}
