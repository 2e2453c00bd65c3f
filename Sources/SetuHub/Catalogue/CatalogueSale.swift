import SetuCore
import SetuProtocol

/// One sale the platform reports: `quantity` pieces of product `productID`
/// under its own order id. An order id counts once per integration, so a
/// platform that retries after a lost answer never sells twice.
public struct CatalogueSale: Hashable, Sendable {
    public let orderID: String
    public let productID: String
    public let quantity: Int64

    /// The most pieces one order line may take: more than any display
    /// centre stocks, far inside the stock counter's bound.
    public static let maxQuantity: Int64 = 1_000_000
    public static let maxOrderIDBytes = 100

    public init(orderID: String, productID: String, quantity: Int64) {
        self.orderID = orderID
        self.productID = productID
        self.quantity = quantity
    }

    /// Reads `{"order_id": …, "product_id": …, "quantity": …}`: 400 for a
    /// body of the wrong form, 422 for values out of range.
    public init(json: JSONValue) throws {
        guard case .object(let members) = json else { throw HubError.badRequest("bad_request", "send a JSON object {\"order_id\", \"product_id\", \"quantity\"}") }
        for (key, _) in members where !["order_id", "product_id", "quantity"].contains(key) {
            throw HubError.badRequest("bad_request", "unknown member \(key.prefix(64)); a sale has order_id, product_id and quantity")
        }
        guard case .string(let order)? = json["order_id"] else { throw HubError.badRequest("bad_request", "order_id must be a string") }
        guard case .string(let product)? = json["product_id"] else { throw HubError.badRequest("bad_request", "product_id must be a string") }
        guard case .int(let quantity)? = json["quantity"] else { throw HubError.badRequest("bad_request", "quantity must be a whole number") }
        guard Self.isValidOrderID(order) else {
            throw HubError(422, "invalid_sale", "order_id must be 1–\(Self.maxOrderIDBytes) ASCII letters, digits, '.', '_', '-', ':' or '/' (the platform's own order number)")
        }
        guard RecordID.isValid(product) else { throw HubError(422, "invalid_sale", "product_id is not a valid record id") }
        guard (1...Self.maxQuantity).contains(quantity) else {
            throw HubError(422, "invalid_sale", "quantity must be 1…\(Self.maxQuantity); record a return as a restock at the display centre")
        }
        self.init(orderID: order, productID: product, quantity: quantity)
    }

    public static func isValidOrderID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...maxOrderIDBytes).contains(bytes.count) else { return false }
        return bytes.allSatisfy { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || [0x2E, 0x5F, 0x2D, 0x3A, 0x2F].contains(b)
        }
    }
}
