import Foundation
import GRDB
import SetuCore

extension Replica {
    /// Products whose stock is below zero, by id (from the partial index on
    /// the plain table, so no scan).
    public func oversold() throws -> [OversoldProduct] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.id, r.state FROM products p INDEXED BY setu_products_oversold
                JOIN setu_records r ON r.collection = \(CollectionKey.keySQL("'products'")) AND r.id = p.id WHERE p.stock < 0 ORDER BY p.id
                """)
            return try rows.map { row in
                let blob: Data = row["state"]
                let state = try StoredState.decode(blob, "products", row["id"], in: db, schema: schema, numbering: nodeNumbers.reading(db))
                return OversoldProduct(id: row["id"], office: state.resolvedOffice ?? "", counter: state.counters["stock"] ?? PNCounter())
            }
        }
    }
}
