import GRDB
import SetuCore
import SetuTestSupport

/// Issue 18's baseline for a catch-up's SQLite work: the resolved rows of
/// the changed records written over the rows of a plain STRICT table that
/// holds as many rows as the replica, by id, one transaction per page of
/// 500, `synchronous=FULL` as the replica. Each measure opens the file
/// afresh, so SQLite's cache is cold and the OS's warm, as setud's is for
/// records spread over its replica.
struct RawUpdateBaseline {
    let path: String
    let spec = Collections.services

    /// Creates the table with `rows` (as `RawInsertBaseline` inserts them).
    init(path: String, rows: [[ReplicatedRecord]]) throws {
        self.path = path
        _ = try RawInsertBaseline(path: path, durable: true).insert(rows)
    }

    /// The seconds the update of `records`' rows took.
    func update(_ records: [ReplicatedRecord]) throws -> Double {
        let pool = try DatabasePool(path: path)
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let sql = "UPDATE services SET \(spec.fields.map { "\($0.name) = ?" }.joined(separator: ", ")) WHERE id = ?"
        let rows = records.map { record in
            StatementArguments(Array(RawInsertBaseline.row(record, spec: spec).dropFirst()) + [record.id])
        }
        let start = ContinuousClock.now
        for page in stride(from: 0, to: rows.count, by: 500) {
            try pool.write { db in
                let statement = try db.cachedStatement(sql: sql)
                for arguments in rows[page..<min(page + 500, rows.count)] {
                    try statement.execute(arguments: arguments)
                    guard db.changesCount == 1 else { throw SupportError("raw update: no row \(arguments)") }
                }
            }
        }
        return (ContinuousClock.now - start) / .seconds(1)
    }
}
