/// What `HubStorage.recordSale` found or did, read in its one transaction,
/// so the answer's stock is the one the sale left (or found, for an order
/// id recorded before) without a second query.
public struct SaleRecording: Sendable {
    /// The sale recorded before under the same order id; nil when this one
    /// was recorded now.
    public let earlier: RecordedSale?
    /// The product as the transaction left it.
    public let product: HubStoredState

    public init(earlier: RecordedSale?, product: HubStoredState) {
        self.earlier = earlier
        self.product = product
    }

    /// The answer to an order id recorded before. Its product is never
    /// removed (a deletion is a tombstone), so one missing means the hub's
    /// database was changed outside setu-hub.
    static func repeated(_ earlier: RecordedSale, product: HubStoredState?) throws -> SaleRecording {
        guard let product else {
            throw HubStorageError("product \(earlier.sale.productID) of order \(earlier.sale.orderID) is missing from hub_records; "
                + "the hub database was changed outside setu-hub: restore it from a backup")
        }
        return SaleRecording(earlier: earlier, product: product)
    }
}
