import Logging
import SetuCore
import SetuProtocol

/// The catalogue's rules above storage: who may read products and record
/// sales, what a feed page holds, and how a sale becomes a stock change.
public struct CatalogueService: Sendable {
    public let storage: any HubStorage
    let now: @Sendable () -> UInt64
    let metrics: HubMetrics

    public static let defaultPageSize = 200
    public static let maxPageSize = 1_000

    public init(storage: any HubStorage, metrics: HubMetrics, now: @escaping @Sendable () -> UInt64) {
        self.storage = storage
        self.metrics = metrics
        self.now = now
    }

    /// The integration behind `Authorization: Bearer …`, or 401; 403 when
    /// it lacks the permission the route needs. Refusals are logged with
    /// the name, never the secret.
    public func authenticate(authorization: String?, needs permission: Permission, logger: Logger) async throws -> HubIntegration {
        func refuse(_ reason: String, name: String? = nil) -> HubError {
            logger.warning("refused integration token", metadata: ["setu.integration": "\(name ?? "?")", "setu.reason": "\(reason)"])
            return HubError(401, "unauthorized", "missing, malformed, unknown or revoked integration token; "
                + "the hub operator makes one with setu-hub integration add NAME (office and admin tokens do not open the catalogue)")
        }
        guard let header = authorization, header.hasPrefix("Bearer ") else { throw refuse("no bearer token") }
        guard let (name, secret) = PrefixedToken.integration.parse(String(header.dropFirst(7))) else {
            throw refuse("not an integration token (integration.<name>.<64 hex digits>)")
        }
        guard let (integration, stored) = try await storage.integrationCredentials(of: name),
              NodeToken.constantTimeEqual(stored, NodeToken.hash(secret: secret)), !integration.revoked else {
            throw refuse("unknown, revoked or wrong secret", name: name)
        }
        switch permission {
        case .read where !integration.canRead:
            throw HubError(403, "forbidden", "integration \(name) may not read the catalogue; the hub operator grants it with integration add --read")
        case .sell where !integration.canSell:
            throw HubError(403, "forbidden", "integration \(name) may not record sales; the hub operator grants it with integration add --sell")
        default:
            return integration
        }
    }

    public enum Permission: Sendable { case read, sell }

    // MARK: Feed

    /// A page of product changes after `cursor`. Always an answer (an empty
    /// page keeps the cursor), so a platform polls one way whatever happened.
    ///
    /// Each read notes the cursor it came with: a deleted product is purged
    /// only once every reading integration has passed it (or has not read
    /// within the horizon). One that comes back with a cursor from before a
    /// purge gets 410: it must read again from the start and replace its
    /// listing, since the deletions it missed are no longer in the feed.
    public func changes(for integration: HubIntegration, cursor: String?, limit: String?) async throws -> CataloguePage {
        let after = try SyncService.parseCursor(cursor)
        let count = try SyncService.parseBound(limit, name: "limit", default: Self.defaultPageSize, range: 1...Self.maxPageSize)
        let through = try await storage.feedHead(offices: integration.offices).purgedThrough
        let consistent = after == 0 ? through : (try await storage.catalogueReads()[integration.name]?.through ?? 0)
        if FeedCursor(seq: after, through: consistent).predates(through) {
            throw HubError(410, ErrorBody.resyncRequired, "the catalogue cursor \(after) is from before deletions the hub has since purged "
                + "(integration \(integration.name) has not read for longer than the purge horizon); read again without a cursor and replace the listing")
        }
        try await storage.noteCatalogueRead(integration.name, cursor: after, atMillis: Int64(now()), through: through)
        let rows = try await storage.catalogue(offices: integration.offices, after: after, limit: count)
        let entries = try rows.compactMap { row in try row.state().map { CatalogueEntry(id: row.key.id, office: row.office, state: $0) } }
        return CataloguePage(entries: entries, cursor: rows.last?.seq ?? after, more: rows.count == count)
    }

    // MARK: Sales

    /// Records `sale` as a stock decrement by the integration's own node,
    /// or answers the same order id again as it was recorded.
    public func record(_ sale: CatalogueSale, by integration: HubIntegration, logger: Logger) async throws -> SaleOutcome {
        let recorded = RecordedSale(integration: integration.name, sale: sale, recordedAtMillis: Int64(now()))
        let recording = try await storage.recordSale(recorded) { stored in
            try Self.decrement(stored, by: sale, from: integration)
        }
        let earlier = recording.earlier
        if let earlier, earlier.sale != sale {
            throw HubError(409, "order_conflict", "order \(sale.orderID) was recorded at \(RFC3339.format(millis: earlier.recordedAtMillis)) "
                + "for product \(earlier.sale.productID), quantity \(earlier.sale.quantity); an order id counts once, so send a new one for another sale")
        }
        let entry = CatalogueEntry(id: sale.productID, office: recording.product.office, state: recording.product.state)
        if earlier == nil {
            metrics.sales.increment()
            if entry.isOversold { metrics.oversoldSales.increment() }
            logger.info("sale recorded", metadata: ["setu.integration": "\(integration.name)", "setu.order": "\(sale.orderID)",
                                                    "setu.product": "\(sale.productID)", "setu.quantity": "\(sale.quantity)",
                                                    "setu.stock": "\(entry.stock)"])
            if entry.isOversold {
                logger.warning("sale took stock below zero", metadata: ["setu.product": "\(sale.productID)", "setu.stock": "\(entry.stock)"])
            }
        }
        return SaleOutcome(sale: sale, duplicate: earlier != nil, stock: entry.stock, oversold: entry.isOversold)
    }

    /// The product's state with the sale counted: pure, run inside the
    /// storage transaction. Refuses a product the integration may not sell,
    /// one deleted, or one its office has not listed for sale.
    static func decrement(_ stored: HubStoredState?, by sale: CatalogueSale, from integration: HubIntegration) throws -> HubWrite {
        let spec = Collections.products
        // An unknown product and another office's look the same from
        // outside: the platform learns nothing of offices not its own.
        guard let stored, integration.canSell(stored.office) else {
            throw HubError(404, "unknown_product", "no product \(sale.productID) in the offices this integration sells for (\(integration.offices.joined(separator: ", ")))")
        }
        guard let values = stored.state.resolved(in: spec) else {
            throw HubError(409, "product_deleted", "product \(sale.productID) was deleted by its office (\(stored.office)); take it off sale")
        }
        guard values["listed"] == .bool(true) else {
            throw HubError(409, "product_unlisted", "product \(sale.productID) is not listed for sale (listed is not true at \(stored.office)); take it off sale")
        }
        var state = stored.state
        var stock = state.counters["stock"] ?? PNCounter()
        stock.adjust(by: -sale.quantity, at: integration.nodeID)
        guard stock.isWithinBounds else {
            throw HubError(422, "invalid_sale", "product \(sale.productID) has reached the most sales a stock counter can hold (\(PNCounter.maxTotal))")
        }
        state.counters["stock"] = stock
        return HubWrite(key: RecordKey(collection: spec.name, id: sale.productID), office: stored.office, state: state, origin: nil)
    }
}
