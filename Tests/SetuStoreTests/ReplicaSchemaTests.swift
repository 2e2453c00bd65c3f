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
                let table = PlainTable(spec: spec)
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
        #expect(try sqlite3(path, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger';").output.hasPrefix("9"))
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
