import GRDB
import SetuCore
import SetuStore

/// Issue 2's baseline: the resolved rows of remote states inserted into a
/// plain STRICT table of the same columns, one cached statement, one
/// transaction per page, in a WAL file of its own with SQLite's default
/// checkpoints (inside the commit that crosses 1,000 WAL pages).
///
/// `durable` sets synchronous=FULL as the replica does (the WAL is fsynced
/// at every commit), so apply and baseline pay for the same guarantee;
/// otherwise it keeps GRDB's WAL default, NORMAL, which may lose the last
/// commits on power loss.
struct RawInsertBaseline {
    let pool: DatabasePool
    let spec = Collections.services
    private let insertSQL: String

    init(path: String, durable: Bool) throws {
        pool = try DatabasePool(path: path)
        // After opening: GRDB sets NORMAL when it switches the pool to WAL.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(durable ? "FULL" : "NORMAL")")
        }
        let columns = ["id"] + spec.fields.map(\.name)
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE services (\(columns.map { "\($0) ANY" }.joined(separator: ", ")), PRIMARY KEY (id)) STRICT")
        }
        insertSQL = "INSERT INTO services VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
    }

    /// Inserts each page's rows in one transaction, then checkpoints the WAL
    /// into the file, as the replica's timed chunks end; returns the seconds
    /// that took (building the rows from the states is not timed).
    func insert(_ pages: [[ReplicatedRecord]]) throws -> Double {
        let rows = pages.map { $0.map { StatementArguments(Self.row($0, spec: spec)) } }
        return try measure {
            for page in rows {
                try pool.write { db in
                    let statement = try db.cachedStatement(sql: insertSQL)
                    for arguments in page { try statement.execute(arguments: arguments) }
                }
            }
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
    }

    /// The record's id, then its resolved values in declaration order.
    static func row(_ record: ReplicatedRecord, spec: CollectionSpec) -> [DatabaseValueConvertible?] {
        let values = record.state.resolved(in: spec)!
        var row: [DatabaseValueConvertible?] = [record.id]
        for field in spec.fields {
            switch values[field.name]! {
            case .null: row.append(nil)
            case .bool(let b): row.append(b)
            case .int(let i): row.append(i)
            case .text(let t): row.append(t)
            }
        }
        return row
    }
}
