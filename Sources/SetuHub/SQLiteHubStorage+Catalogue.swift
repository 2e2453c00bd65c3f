import Foundation
import GRDB
import SetuCore

extension SQLiteHubStorage {
    public func addIntegration(_ integration: HubIntegration, tokenHash: [UInt8]) async throws {
        try await write(.none) { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM hub_integrations WHERE name = ?", arguments: [integration.name]) == nil else {
                throw HubStorageError.integrationExists(integration.name)
            }
            try db.execute(sql: """
                INSERT INTO hub_integrations (name, offices, token_hash, can_read, can_sell, created_ms) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [integration.name, integration.offices.joined(separator: ","), Data(tokenHash), integration.canRead,
                                 integration.canSell, integration.createdAtMillis])
        }
    }

    public func integrations() async throws -> [HubIntegration] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM hub_integrations ORDER BY name").map(Self.integration)
        }
    }

    public func updateIntegration(_ name: String, _ change: AccountChange) async throws -> Bool {
        try await write(.none) { db in
            try db.execute(sql: """
                UPDATE hub_integrations SET token_hash = coalesce(?, token_hash), offices = coalesce(?, offices), revoked = coalesce(?, revoked)
                WHERE name = ?
                """, arguments: [change.tokenHash.map { Data($0) }, change.offices?.joined(separator: ","), change.revoked, name])
            return db.changesCount > 0
        }
    }

    public func integrationCredentials(of name: String) async throws -> (integration: HubIntegration, tokenHash: [UInt8])? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM hub_integrations WHERE name = ?", arguments: [name]) else { return nil }
            let hash: Data = row["token_hash"]
            return (Self.integration(row), Array(hash))
        }
    }

    static func integration(_ row: Row) -> HubIntegration {
        let offices: String = row["offices"]
        return HubIntegration(name: row["name"], offices: offices.split(separator: ",").map(String.init), canRead: row["can_read"],
                              canSell: row["can_sell"], createdAtMillis: row["created_ms"], revoked: row["revoked"])
    }

    public func catalogue(offices: [String], after cursor: Int64, limit: Int) async throws -> [HubFeedRow] {
        try await pool.read { db in
            let (sql, arguments) = Self.scoped("""
                SELECT \(Self.feedColumns) FROM hub_records INDEXED BY hub_records_catalogue
                WHERE collection = 'products' AND %SCOPE% AND seq > ? AND length(state) > 0 ORDER BY seq LIMIT ?
                """, offices: offices, extra: [cursor, limit])
            return try Self.feedRows(db.makeStatement(sql: "SELECT * FROM (\(sql)) ORDER BY seq LIMIT ?"), arguments: arguments + [limit])
        }
    }

    /// The columns `feedRows` reads, in the order it reads them by position.
    static let feedColumns = "seq, collection, id, office, state, origin, forget"

    /// The feed rows `statement` selects (`feedColumns`, in that order).
    /// Read by position from a cursor: GRDB finds a column by name by
    /// lowercasing it, seven times a record, and a fetched row is a copy
    /// of the state's bytes before `encodedState` is another.
    ///
    /// A purge notice has an empty `state` (the column predates purges and
    /// stays NOT NULL).
    static func feedRows(_ statement: Statement, arguments: StatementArguments) throws -> [HubFeedRow] {
        try Array(Row.fetchCursor(statement, arguments: arguments).map { row in
            let forget = row.dataNoCopy(atIndex: 6)
            return HubFeedRow(seq: row[0], key: RecordKey(collection: row[1], id: row[2]), office: row[3],
                              encodedState: row.dataNoCopy(atIndex: 4).map { Array($0) } ?? [],
                              origin: (row[5] as String?).flatMap(NodeID.init(rawValue:)),
                              forget: try forget.map { try VersionVector(storedBytes: $0) })
        })
    }

    public func storedState(of key: RecordKey) async throws -> HubStoredState? {
        try await pool.read { db in try Self.storedState(db, key) }
    }

    /// Also the read of every record a push merges: a cached statement.
    static func storedState(_ db: Database, _ key: RecordKey) throws -> HubStoredState? {
        let select = try db.cachedStatement(sql: "SELECT office, state FROM hub_records WHERE collection = ? AND id = ? AND length(state) > 0")
        guard let row = try Row.fetchOne(select, arguments: [key.collection, key.id]) else { return nil }
        let blob: Data = row["state"]
        return HubStoredState(office: row["office"], state: try StateCodec.decode(blob))
    }

    public func recordSale(_ sale: RecordedSale, decide: @Sendable (HubStoredState?) throws -> HubWrite) async throws -> SaleRecording {
        try await write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT product_id, quantity, recorded_ms FROM hub_sales WHERE integration = ? AND order_id = ?",
                                          arguments: [sale.integration, sale.sale.orderID]) {
                let earlier = RecordedSale(integration: sale.integration,
                                           sale: CatalogueSale(orderID: sale.sale.orderID, productID: row["product_id"], quantity: row["quantity"]),
                                           recordedAtMillis: row["recorded_ms"])
                return try SaleRecording.repeated(earlier, product: try Self.storedState(db, earlier.productKey))
            }
            let write = try decide(try Self.storedState(db, sale.productKey))
            let seq = try Self.lastPosition(db) + 1
            try db.execute(sql: "UPDATE hub_records SET seq = ?, office = ?, state = ?, origin = ?, deleted = ? WHERE collection = ? AND id = ?",
                           arguments: [seq, write.office, Data(StateCodec.encode(write.state)), write.origin?.rawValue, write.state.isDeleted,
                                       write.key.collection, write.key.id])
            try db.execute(sql: "INSERT INTO hub_sales (integration, order_id, product_id, quantity, recorded_ms) VALUES (?, ?, ?, ?, ?)",
                           arguments: [sale.integration, sale.sale.orderID, sale.sale.productID, sale.sale.quantity, sale.recordedAtMillis])
            return SaleRecording(earlier: nil, product: HubStoredState(office: write.office, state: write.state))
        }
    }
}
