/// For one record: node → the highest dot of that node this state has seen.
///
/// A node writes a record only on top of its own previous writes to it, so
/// seeing `n@t` means having seen every dot of `n` up to `t` for this record.
public struct VersionVector: Hashable, Sendable {
    public private(set) var entries: [NodeID: HLCTimestamp]

    public init(_ entries: [NodeID: HLCTimestamp] = [:]) { self.entries = entries }

    public subscript(node: NodeID) -> HLCTimestamp? { entries[node] }

    /// Whether this vector has seen `dot`.
    public func contains(_ dot: Dot) -> Bool {
        guard let seen = entries[dot.node] else { return false }
        return seen >= dot.time
    }

    public mutating func advance(to dot: Dot) {
        if let seen = entries[dot.node], seen >= dot.time { return }
        entries[dot.node] = dot.time
    }

    /// Pointwise maximum.
    public func merged(with other: VersionVector) -> VersionVector {
        VersionVector(entries.merging(other.entries) { max($0, $1) })
    }

    /// Whether every dot `other` has seen, this one has seen too.
    public func dominates(_ other: VersionVector) -> Bool {
        other.entries.allSatisfy { node, time in (entries[node] ?? .zero) >= time }
    }

    /// Entries in node order, for canonical encoding.
    public var sortedEntries: [(node: NodeID, time: HLCTimestamp)] {
        entries.sorted { $0.key < $1.key }.map { (node: $0.key, time: $0.value) }
    }

    /// The greatest timestamp in the vector, used to check a remote state against the skew bound.
    public var maxTime: HLCTimestamp { entries.values.max() ?? .zero }
}
