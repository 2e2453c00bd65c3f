extension RecordState {
    /// Merges two states of the same record (DESIGN §4).
    ///
    /// For each field a sibling survives if both sides hold it, or if the other
    /// side has not seen its dot (so cannot have superseded it). Vectors and
    /// counters merge pointwise by maximum. The result does not depend on which
    /// side is `self`: merge is commutative, associative and idempotent, which
    /// the property tests check.
    public func merged(with other: RecordState) -> RecordState {
        var result = RecordState(vector: vector.merged(with: other.vector))
        for name in Set(fields.keys).union(other.fields.keys) {
            let kept = RecordState.survivors(siblings(of: name), against: other.siblings(of: name), seenBy: other.vector)
                + RecordState.survivors(other.siblings(of: name), against: siblings(of: name), seenBy: vector)
            let unique = Dictionary(kept.map { ($0.dot, $0) }, uniquingKeysWith: { a, _ in a }).values
            if !unique.isEmpty { result.fields[name] = unique.sorted { $0.dot < $1.dot } }
        }
        for name in Set(counters.keys).union(other.counters.keys) {
            result.counters[name] = (counters[name] ?? PNCounter()).merged(with: other.counters[name] ?? PNCounter())
        }
        return result
    }

    private static func survivors(_ mine: [Sibling], against theirs: [Sibling], seenBy theirVector: VersionVector) -> [Sibling] {
        mine.filter { sibling in
            !theirVector.contains(sibling.dot) || theirs.contains { $0.dot == sibling.dot }
        }
    }

    /// Whether `other` carries nothing this state has not already seen.
    public func subsumes(_ other: RecordState) -> Bool {
        merged(with: other) == self
    }
}
