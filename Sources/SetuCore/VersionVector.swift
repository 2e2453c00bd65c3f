/// For one record: node → the highest dot of that node this state has seen.
///
/// A node writes a record only on top of its own previous writes to it, so
/// seeing `n@t` means having seen every dot of `n` up to `t` for this record.
///
/// Kept as a short array sorted by node, not a dictionary: a record's vector
/// names a handful of nodes, and merge asks it about every sibling's dot.
/// Hashing a node id for each of those lookups (and building a dictionary
/// for each decoded state) was a tenth of applying a remote state.
public struct VersionVector: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public let node: NodeID
        public let time: HLCTimestamp

        public init(node: NodeID, time: HLCTimestamp) {
            self.node = node
            self.time = time
        }
    }

    /// Sorted by node (byte order), one entry per node.
    public private(set) var sorted: [Entry]

    public init(_ entries: [NodeID: HLCTimestamp] = [:]) {
        sorted = entries.map { Entry(node: $0.key, time: $0.value) }.sorted { $0.node < $1.node }
    }

    /// From entries already sorted by node with no node twice, as every
    /// encoder writes them; nil when they are not.
    public init?(sortedEntries entries: [Entry]) {
        guard zip(entries, entries.dropFirst()).allSatisfy({ $0.node < $1.node }) else { return nil }
        sorted = entries
    }

    /// The entries as a dictionary, for callers that look up few nodes.
    public var entries: [NodeID: HLCTimestamp] {
        Dictionary(uniqueKeysWithValues: sorted.map { ($0.node, $0.time) })
    }

    public var count: Int { sorted.count }

    public subscript(node: NodeID) -> HLCTimestamp? {
        for entry in sorted where entry.node == node { return entry.time }
        return nil
    }

    /// Whether this vector has seen `dot`.
    public func contains(_ dot: Dot) -> Bool {
        guard let seen = self[dot.node] else { return false }
        return seen >= dot.time
    }

    public mutating func advance(to dot: Dot) {
        if let i = sorted.firstIndex(where: { !($0.node < dot.node) }), sorted[i].node == dot.node {
            if sorted[i].time < dot.time { sorted[i] = Entry(node: dot.node, time: dot.time) }
        } else {
            let at = sorted.firstIndex { dot.node < $0.node } ?? sorted.endIndex
            sorted.insert(Entry(node: dot.node, time: dot.time), at: at)
        }
    }

    /// Pointwise maximum.
    public func merged(with other: VersionVector) -> VersionVector {
        if other.sorted == sorted { return self }
        var out: [Entry] = []
        out.reserveCapacity(max(sorted.count, other.sorted.count))
        var i = 0, j = 0
        while i < sorted.count || j < other.sorted.count {
            if j == other.sorted.count || (i < sorted.count && sorted[i].node < other.sorted[j].node) {
                out.append(sorted[i]); i += 1
            } else if i == sorted.count || other.sorted[j].node < sorted[i].node {
                out.append(other.sorted[j]); j += 1
            } else {
                out.append(sorted[i].time >= other.sorted[j].time ? sorted[i] : other.sorted[j]); i += 1; j += 1
            }
        }
        var merged = VersionVector()
        merged.sorted = out
        return merged
    }

    /// Whether every dot `other` has seen, this one has seen too.
    public func dominates(_ other: VersionVector) -> Bool {
        var i = 0
        for entry in other.sorted {
            while i < sorted.count, sorted[i].node < entry.node { i += 1 }
            let seen = i < sorted.count && sorted[i].node == entry.node ? sorted[i].time : .zero
            guard seen >= entry.time else { return false }
        }
        return true
    }

    /// The greatest timestamp in the vector, used to check a remote state against the skew bound.
    public var maxTime: HLCTimestamp { sorted.lazy.map(\.time).max() ?? .zero }
}
