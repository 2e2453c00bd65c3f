import Foundation
import GRDB
import SetuCore

extension Replica {
    /// A canonical text dump of everything replicated: each record's state
    /// bytes, ordered by collection and id (collections this node does not
    /// declare included), then the plain-table rows of the collections it
    /// shows. Local bookkeeping (feed positions, cursors) is left out, so
    /// two replicas that have seen the same writes and speak the same
    /// schema dump byte-identical text.
    public func canonicalDump() throws -> String {
        try stateDump() + rowDump()
    }

    /// The states alone: equal on replicas that have seen the same writes,
    /// whatever schema each speaks (each state with all its values, though a
    /// replica stores some in its rows: `StoredState`).
    public func stateDump() throws -> String {
        try read { db in
            var out = ""
            let states = try Row.fetchCursor(db, sql: """
                SELECT \(CollectionKey.nameSQL("collection")) AS collection, id, state FROM setu_records ORDER BY 1, id
                """)
            while let row = try states.next() {
                let collection: String = row["collection"]
                let id: String = row["id"]
                let blob: Data = row["state"]
                out += "state \(collection) \(id) \(Hex.encode(try StoredState.canonical(blob, collection, id, in: db, schema: schema, numbering: nodeNumbers.reading(db))))\n"
            }
            return out
        }
    }

    /// The plain tables' rows, by collection then id.
    public func rowDump() throws -> String {
        try read { db in
            var out = ""
            for spec in schema.collections {
                let table = PlainTable.of(spec)
                let rows = try Row.fetchCursor(db, sql: "SELECT \(table.columns.map { "quote(\"\($0)\")" }.joined(separator: ", ")) FROM \"\(spec.name)\" ORDER BY id")
                while let row = try rows.next() {
                    let cells: [String] = (0..<row.count).map { row[$0] }
                    out += "row \(spec.name) \(cells.joined(separator: "|"))\n"
                }
            }
            return out
        }
    }
}
