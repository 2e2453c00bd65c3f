import Foundation
import GRDB
import SetuCore

extension Replica {
    /// A canonical text dump of everything replicated: each record's state
    /// bytes and its plain-table row, ordered by collection and id. Local
    /// bookkeeping (feed positions, cursors) is left out, so two replicas that
    /// have seen the same writes dump byte-identical text.
    public func canonicalDump() throws -> String {
        try read { db in
            var out = ""
            for spec in Collections.all {
                let states = try Row.fetchCursor(db, sql: "SELECT id, state FROM setu_records WHERE collection = ? ORDER BY id", arguments: [spec.name])
                while let row = try states.next() {
                    let id: String = row["id"]
                    let blob: Data = row["state"]
                    out += "state \(spec.name) \(id) \(blob.map { String(format: "%02x", $0) }.joined())\n"
                }
                let table = PlainTable(spec: spec)
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
