import GRDB
import SetuCore
import SetuStore

/// Issue 2's baseline: the resolved rows of remote states inserted into a
/// plain STRICT table of the same columns, one cached statement, one
/// transaction per page, in a WAL file of its own.
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

    /// Inserts one page's rows in one transaction; returns the seconds it
    /// took (building the rows from the states is not timed).
    func insert(_ records: [RemoteRecord]) throws -> Double {
        let rows = records.map(row)
        return try measure {
            try pool.write { db in
                let statement = try db.cachedStatement(sql: insertSQL)
                for arguments in rows { try statement.execute(arguments: arguments) }
            }
        }
    }

    private func row(_ record: RemoteRecord) -> StatementArguments {
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
        return StatementArguments(row)
    }
}
