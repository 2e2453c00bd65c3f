extension RecordState {
    /// At most this many siblings per field, unless a schema says otherwise.
    public static let defaultSiblingCap = 8

    /// This state with the siblings the cap drops taken out.
    ///
    /// The rule: a sibling is dropped when the same field holds a newer
    /// sibling and the record's vector names at least `cap` other nodes
    /// whose latest write to the record is later than it (in dot order). The siblings of a
    /// field come from distinct nodes, so a field never keeps more than
    /// `cap` of them: the oldest of `cap + 1` has `cap` later writers.
    ///
    /// Why it is decided by the vector and not by counting siblings: a rule
    /// that dropped "all but the newest `cap`" would depend on which
    /// siblings a replica happened to hold together, and replicas merging
    /// in different orders would keep different values. The vector only
    /// grows, and a field's newest sibling is never dropped, so a sibling
    /// dropped anywhere is dropped wherever as much has been seen: merge
    /// then cap stays commutative, associative and idempotent (the
    /// property tests `ConvergenceTests.replicasConvergeUnderTheSiblingCap`
    /// and `RecordStateMergeTests.mergeLawsHoldUnderTheSiblingCap` check it). A dropped value's
    /// dot stays in the vector, so merging an older state in does not bring
    /// it back.
    public func capped(at cap: Int) -> RecordState {
        guard !isWithinCap(cap) else { return self }
        var state = self
        for field in fields where field.siblings.count > 1 {
            let kept = field.siblings.dropLast().filter { laterWriters(than: $0.dot) < cap } + [field.siblings.last!]
            if kept.count != field.siblings.count { state.setSiblings(kept, of: field.name) }
        }
        return state
    }

    /// Whether `capped(at:)` leaves this state as it is, known without
    /// walking it: fewer than `cap + 1` nodes in the vector, so no sibling
    /// has `cap` later writers.
    public func isWithinCap(_ cap: Int) -> Bool { vector.count <= cap }

    /// How many nodes other than `dot`'s wrote this record later than it,
    /// in dot order (time, then node id: two nodes can stamp one time).
    public func laterWriters(than dot: Dot) -> Int {
        vector.sorted.reduce(0) { count, entry in
            entry.node != dot.node && Dot(node: entry.node, time: entry.time) > dot ? count + 1 : count
        }
    }
}
