import SetuCore

/// A product whose stock went below zero: sales made in several places
/// (online through an integration, and at the display centre) took more
/// than it had. Every sale stays counted, because each happened; the office
/// sees it until it restocks or sets the counted stock.
public struct OversoldProduct: Hashable, Sendable {
    /// One node's net move of the stock: what it restocked less what it sold.
    public struct Contribution: Hashable, Sendable {
        public let node: NodeID
        public let net: Int64

        public init(node: NodeID, net: Int64) {
            self.node = node
            self.net = net
        }
    }

    public let id: String
    public let office: String
    public let stock: Int64
    /// By node id.
    public let contributions: [Contribution]

    init(id: String, office: String, counter: PNCounter) {
        self.id = id
        self.office = office
        self.stock = counter.value
        self.contributions = counter.sortedTotals.map { entry in
            Contribution(node: entry.node, net: Int64(clamping: entry.totals.increments) - Int64(clamping: entry.totals.decrements))
        }
    }
}
