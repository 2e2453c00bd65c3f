import Logging
import NIOCore
import PostgresNIO
import SetuCore

extension PostgresHubStorage {
    public func addIntegration(_ integration: HubIntegration, tokenHash: [UInt8]) async throws {
        let rows = try await client.query("""
            INSERT INTO hub_integrations (name, offices, token_hash, can_read, can_sell, created_ms)
            VALUES (\(integration.name), \(integration.offices.joined(separator: ",")), \(ByteBuffer(bytes: tokenHash)), \(integration.canRead),
                    \(integration.canSell), \(integration.createdAtMillis))
            ON CONFLICT (name) DO NOTHING RETURNING name
            """, logger: logger)
        var inserted = false
        for try await _ in rows.decode(String.self) { inserted = true }
        guard inserted else { throw HubStorageError.integrationExists(integration.name) }
    }

    public func integrations() async throws -> [HubIntegration] {
        let rows = try await client.query(
            "SELECT name, offices, can_read, can_sell, created_ms, revoked FROM hub_integrations ORDER BY name", logger: logger)
        var found: [HubIntegration] = []
        for try await row in rows.decode((String, String, Bool, Bool, Int64, Bool).self) { found.append(Self.integration(row)) }
        return found
    }

    public func updateIntegration(_ name: String, _ change: AccountChange) async throws -> Bool {
        let rows = try await client.query("""
            UPDATE hub_integrations SET
              token_hash = coalesce(\(change.tokenHash.map { ByteBuffer(bytes: $0) })::bytea, token_hash),
              offices = coalesce(\(change.offices?.joined(separator: ","))::text, offices),
              revoked = coalesce(\(change.revoked)::boolean, revoked)
            WHERE name = \(name) RETURNING name
            """, logger: logger)
        var found = false
        for try await _ in rows.decode(String.self) { found = true }
        return found
    }

    public func integrationCredentials(of name: String) async throws -> (integration: HubIntegration, tokenHash: [UInt8])? {
        let rows = try await client.query(
            "SELECT name, offices, can_read, can_sell, created_ms, revoked, token_hash FROM hub_integrations WHERE name = \(name)", logger: logger)
        for try await (n, offices, read, sell, created, revoked, hash) in rows.decode((String, String, Bool, Bool, Int64, Bool, ByteBuffer).self) {
            return (Self.integration((n, offices, read, sell, created, revoked)), Array(hash.readableBytesView))
        }
        return nil
    }

    static func integration(_ row: (String, String, Bool, Bool, Int64, Bool)) -> HubIntegration {
        HubIntegration(name: row.0, offices: row.1.split(separator: ",").map(String.init), canRead: row.2, canSell: row.3,
                       createdAtMillis: row.4, revoked: row.5)
    }

    public func catalogue(offices: [String], after cursor: Int64, limit: Int) async throws -> [HubFeedRow] {
        let rows = try await client.query("""
            SELECT seq, collection, id, office, state, origin, forget FROM (
              SELECT r.* FROM unnest(\(offices)::text[]) AS o(office), LATERAL (
                SELECT * FROM hub_records h WHERE h.collection = 'products' AND h.office = o.office AND h.seq > \(cursor)
                  AND length(h.state) > 0 ORDER BY h.seq LIMIT \(limit)) r
              UNION ALL
              (SELECT * FROM hub_records WHERE collection = 'products' AND office >= 'all:' AND office < 'all;' AND seq > \(cursor)
                 AND length(state) > 0 ORDER BY seq LIMIT \(limit))
            ) AS scoped ORDER BY seq LIMIT \(limit)
            """, logger: logger)
        return try await Self.feedRows(rows)
    }

    /// A purge notice has an empty `state`, as in the SQLite backend.
    static func feedRows(_ rows: PostgresRowSequence) async throws -> [HubFeedRow] {
        var out: [HubFeedRow] = []
        for try await (seq, collection, id, office, state, origin, forget) in rows.decode((Int64, String, String, String, ByteBuffer, String?, ByteBuffer?).self) {
            out.append(HubFeedRow(seq: seq, key: RecordKey(collection: collection, id: id), office: office,
                                  encodedState: Array(state.readableBytesView),
                                  origin: origin.flatMap(NodeID.init(rawValue:)),
                                  forget: try forget.map { try VersionVector(storedBytes: $0.readableBytesView) }))
        }
        return out
    }

    public func storedState(of key: RecordKey) async throws -> HubStoredState? {
        let logger = self.logger
        return try await client.withConnection { conn in try await Self.storedState(conn, key, logger: logger) }
    }

    /// `FOR UPDATE`: inside a sale's transaction, the row stays as read until it commits.
    static func storedState(_ conn: PostgresConnection, _ key: RecordKey, forUpdate: Bool = false, logger: Logger) async throws -> HubStoredState? {
        let rows = try await conn.query(
            "SELECT office, state FROM hub_records WHERE collection = \(key.collection) AND id = \(key.id) AND length(state) > 0 \(unescaped: forUpdate ? "FOR UPDATE" : "")",
            logger: logger)
        for try await (office, state) in rows.decode((String, ByteBuffer).self) {
            return HubStoredState(office: office, state: try StateCodec.decode(state.readableBytesView))
        }
        return nil
    }

    /// Under the feed's advisory lock, as a push: the new position commits
    /// in order, and two hubs recording the same order id one after the
    /// other see each other's row.
    public func recordSale(_ sale: RecordedSale, decide: @Sendable (HubStoredState?) throws -> HubWrite) async throws -> SaleRecording {
        let logger = self.logger
        let (recording, moved) = try await refusableTransaction { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.feedLock))", logger: logger)
            let found = try await conn.query("""
                SELECT product_id, quantity, recorded_ms FROM hub_sales WHERE integration = \(sale.integration) AND order_id = \(sale.sale.orderID)
                """, logger: logger)
            for try await (product, quantity, recorded) in found.decode((String, Int64, Int64).self) {
                let earlier = RecordedSale(integration: sale.integration, sale: CatalogueSale(orderID: sale.sale.orderID, productID: product, quantity: quantity),
                                           recordedAtMillis: recorded)
                return (try SaleRecording.repeated(earlier, product: try await Self.storedState(conn, earlier.productKey, logger: logger)),
                        [(office: String, seq: Int64)]())
            }
            let write = try decide(try await Self.storedState(conn, sale.productKey, forUpdate: true, logger: logger))
            let updated = try await conn.query("""
                UPDATE hub_records SET seq = nextval('hub_feed_seq'), office = \(write.office), state = \(ByteBuffer(bytes: StateCodec.encode(write.state))),
                  origin = \(write.origin?.rawValue), deleted = \(write.state.isDeleted) WHERE collection = \(write.key.collection) AND id = \(write.key.id)
                RETURNING seq
                """, logger: logger)
            var moved: [(office: String, seq: Int64)] = []
            for try await seq in updated.decode(Int64.self) { moved.append((write.office, seq)) }
            try await conn.query("""
                INSERT INTO hub_sales (integration, order_id, product_id, quantity, recorded_ms)
                VALUES (\(sale.integration), \(sale.sale.orderID), \(sale.sale.productID), \(sale.sale.quantity), \(sale.recordedAtMillis))
                """, logger: logger)
            return (SaleRecording(earlier: nil, product: HubStoredState(office: write.office, state: write.state)), moved)
        }
        cache.noteCommit(.positions(moved))
        return recording
    }
}
