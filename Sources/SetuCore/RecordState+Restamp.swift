extension RecordState {
    /// This state with `node`'s dots later than `limit` moved to `time`, or
    /// nil when it holds none.
    ///
    /// Why: a PC whose clock ran years ahead stamped its writes there; the
    /// hub refuses such dots, so nobody else has seen them and they can be
    /// given a time near the hub's before they are pushed. A node writes a
    /// record only on top of its own earlier writes, so its late dots on one
    /// record are one causal run and can share one new time: the vector's
    /// entry moves to it and so does every sibling they wrote. The caller
    /// passes a `time` later than every dot of `node` it keeps (at most
    /// `limit`), so the new write still supersedes them.
    public func restamped(node: NodeID, after limit: HLCTimestamp, to time: HLCTimestamp) -> RecordState? {
        guard let own = vector[node], own > limit else { return nil }
        let moved = Dot(node: node, time: time)
        let fields = fields.map { field in
            Field(name: field.name, siblings: field.siblings
                .map { $0.dot.node == node && $0.dot.time > limit ? Sibling(dot: moved, value: $0.value) : $0 }
                .sorted { $0.dot < $1.dot })
        }
        var entries = vector.entries
        entries[node] = time
        return RecordState(vector: VersionVector(entries), sortedFields: fields, counters: counters)
    }

    /// The latest timestamp of any node in this state that is not past
    /// `limit`: where a clock may restart after late dots were moved back.
    public func latestTime(notAfter limit: HLCTimestamp) -> HLCTimestamp {
        vector.sorted.lazy.map(\.time).filter { $0 <= limit }.max() ?? .zero
    }
}
