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

    /// The largest sum of increments, and of decrements, over all nodes:
    /// 10^15, within the integers every JSON reader holds exactly (2^53).
    /// A counter inside it has a value in ±10^15, so no sum can overflow;
    /// a state outside it is refused wherever it arrives.
    public static let maxTotal: UInt64 = 1_000_000_000_000_000

    public private(set) var totals: [NodeID: Totals]

    public init(_ totals: [NodeID: Totals] = [:]) { self.totals = totals }

    /// Whether all increments, and all decrements, each add up to at most
    /// `maxTotal` (checked without overflowing, whatever the entries hold).
    public var isWithinBounds: Bool {
        var increments: UInt64 = 0
        var decrements: UInt64 = 0
        for t in totals.values {
            guard t.increments <= Self.maxTotal, t.decrements <= Self.maxTotal else { return false }
            increments += t.increments
            decrements += t.decrements
            guard increments <= Self.maxTotal, decrements <= Self.maxTotal else { return false }
        }
        return true
    }

    /// The counter's value: all increments less all decrements. Exact for a
    /// counter within bounds; outside them (never stored) it saturates
    /// instead of wrapping.
    public var value: Int64 {
        var increments: UInt64 = 0
        var decrements: UInt64 = 0
        for t in totals.values {
            increments = Self.saturatingSum(increments, t.increments)
            decrements = Self.saturatingSum(decrements, t.decrements)
        }
        return increments >= decrements ? Int64(clamping: increments - decrements) : -Int64(clamping: decrements - increments)
    }

    /// Moves this node's totals by `delta`. The caller checks
    /// `isWithinBounds` afterwards (a local write past the bound is refused);
    /// the totals saturate rather than wrap meanwhile.
    public mutating func adjust(by delta: Int64, at node: NodeID) {
        var t = totals[node] ?? Totals()
        if delta >= 0 { t.increments = Self.saturatingSum(t.increments, UInt64(delta)) } else { t.decrements = Self.saturatingSum(t.decrements, delta.magnitude) }
        totals[node] = t
    }

    private static func saturatingSum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// The change that takes a counter from `current` to `target`, saturated
    /// at the ends of Int64 (the bound check then refuses it).
    public static func delta(from current: Int64, to target: Int64) -> Int64 {
        let (difference, overflow) = target.subtractingReportingOverflow(current)
        return overflow ? (target > current ? .max : .min) : difference
    }

    /// The entries of nodes other than `node` that are ahead of `known`
    /// (what the hub holds): a node learns other nodes' counts only from the
    /// hub, so such an entry is forged.
    public func entriesAhead(of known: PNCounter?, except node: NodeID) -> [NodeID] {
        totals.compactMap { author, t in
            guard author != node else { return nil }
            let k = known?.totals[author] ?? Totals()
            return t.increments > k.increments || t.decrements > k.decrements ? author : nil
        }.sorted()
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
