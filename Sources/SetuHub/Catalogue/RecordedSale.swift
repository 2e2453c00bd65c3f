/// A sale as the hub keeps it, to answer the same order id again with the
/// same result instead of counting it twice.
public struct RecordedSale: Hashable, Sendable {
    public let integration: String
    public let sale: CatalogueSale
    public let recordedAtMillis: Int64

    public init(integration: String, sale: CatalogueSale, recordedAtMillis: Int64) {
        self.integration = integration
        self.sale = sale
        self.recordedAtMillis = recordedAtMillis
    }

    /// The product it sold, as the hub stores it.
    public var productKey: RecordKey { RecordKey(collection: "products", id: sale.productID) }
}
