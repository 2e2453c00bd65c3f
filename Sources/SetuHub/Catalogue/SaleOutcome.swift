import SetuProtocol

/// What `POST /v1/catalogue/sales` answers: the sale, whether it was
/// recorded before under the same order id, and the stock now.
public struct SaleOutcome: Sendable, Equatable {
    public let sale: CatalogueSale
    public let duplicate: Bool
    public let stock: Int64
    public let oversold: Bool

    public var json: JSONValue {
        .object([
            ("order_id", .string(sale.orderID)), ("product_id", .string(sale.productID)), ("quantity", .int(sale.quantity)),
            ("duplicate", .bool(duplicate)), ("stock", .int(stock)), ("oversold", .bool(oversold)),
        ])
    }
}
