/// A positive-negative counter (Shapiro et al.): each node keeps its own running
/// totals of increments and decrements; merge takes the per-node maximum.
///
/// Used for `products.stock`, so a sale recorded at the hub and a restock at the
/// display centre both count and neither overwrites the other.
public struct PNCounter: Hashable, Sendable {
    public struct Totals: Hashable, Sendable {
        public var increments: UInt64
        public var decrements: UInt64

        public init(increments: UInt64 = 0, decrements: UInt64 = 0) {
            self.increments = increments
            self.decrements = decrements
        }
    }

    public private(set) var totals: [NodeID: Totals]

    public init(_ totals: [NodeID: Totals] = [:]) { self.totals = totals }

    /// The counter's value: all increments less all decrements.
    public var value: Int64 {
        var sum: Int64 = 0
        for t in totals.values { sum = sum &+ Int64(truncatingIfNeeded: t.increments) &- Int64(truncatingIfNeeded: t.decrements) }
        return sum
    }

    public mutating func adjust(by delta: Int64, at node: NodeID) {
        var t = totals[node] ?? Totals()
        if delta >= 0 { t.increments &+= UInt64(delta) } else { t.decrements &+= delta.magnitude }
        totals[node] = t
    }

    public func merged(with other: PNCounter) -> PNCounter {
        PNCounter(totals.merging(other.totals) { a, b in
            Totals(increments: max(a.increments, b.increments), decrements: max(a.decrements, b.decrements))
        })
    }

    /// Whether every node's totals here are at least those in `other`.
    public func dominates(_ other: PNCounter) -> Bool {
        other.totals.allSatisfy { node, t in
            let mine = totals[node] ?? Totals()
            return mine.increments >= t.increments && mine.decrements >= t.decrements
        }
    }

    public var sortedTotals: [(node: NodeID, totals: Totals)] {
        totals.sorted { $0.key < $1.key }.map { (node: $0.key, totals: $0.value) }
    }
}
