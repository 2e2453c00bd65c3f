extension RecordState {
    /// Merges two states of the same record (DESIGN §4).
    ///
    /// For each field a sibling survives if both sides hold it, or if the other
    /// side has not seen its dot (so cannot have superseded it). Vectors and
    /// counters merge pointwise by maximum. The result does not depend on which
    /// side is `self`: merge is commutative, associative and idempotent, which
    /// the property tests check.
    ///
    /// The result keeps at most `siblingCap` siblings per field (see
    /// `capped(at:)`); every node of a fleet merges with the same cap.
    public func merged(with other: RecordState, siblingCap: Int = RecordState.defaultSiblingCap) -> RecordState {
        // A side that has seen everything the other has is the merge: its
        // siblings already account for every dot the other side holds.
        if subsumes(other) { return capped(at: siblingCap) }
        if other.subsumes(self) { return other.capped(at: siblingCap) }
        var merged: [Field] = []
        merged.reserveCapacity(max(fields.count, other.fields.count))
        var i = fields.startIndex, j = other.fields.startIndex
        while i < fields.endIndex || j < other.fields.endIndex {
            let mine = i < fields.endIndex ? fields[i] : nil
            let theirs = j < other.fields.endIndex ? other.fields[j] : nil
            let name: String
            var a: [Sibling] = [], b: [Sibling] = []
            if let mine, let theirs, mine.name == theirs.name {
                name = mine.name; a = mine.siblings; b = theirs.siblings; i += 1; j += 1
            } else if let mine, theirs == nil || RecordState.precedes(mine.name, theirs!.name) {
                name = mine.name; a = mine.siblings; i += 1
            } else {
                name = theirs!.name; b = theirs!.siblings; j += 1
            }
            let kept = RecordState.mergeSiblings(a, seenBy: vector, b, seenBy: other.vector)
            if !kept.isEmpty { merged.append(Field(name: name, siblings: kept)) }
        }
        var counters = self.counters
        for (name, counter) in other.counters {
            counters[name] = (counters[name] ?? PNCounter()).merged(with: counter)
        }
        return RecordState(vector: vector.merged(with: other.vector), sortedFields: merged, counters: counters).capped(at: siblingCap)
    }

    /// The survivors of two sorted sibling lists, sorted by dot, no duplicates.
    private static func mergeSiblings(_ a: [Sibling], seenBy va: VersionVector, _ b: [Sibling], seenBy vb: VersionVector) -> [Sibling] {
        var out: [Sibling] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i].dot == b[j].dot {
                out.append(a[i]); i += 1; j += 1
            } else if i < a.count, j == b.count || a[i].dot < b[j].dot {
                if !vb.contains(a[i].dot) { out.append(a[i]) }
                i += 1
            } else {
                if !va.contains(b[j].dot) { out.append(b[j]) }
                j += 1
            }
        }
        return out
    }

    private static func dominates(_ a: [String: PNCounter], _ b: [String: PNCounter]) -> Bool {
        b.allSatisfy { name, counter in (a[name] ?? PNCounter()).dominates(counter) }
    }

    /// Whether what has seen `vector` and `counters` has seen everything
    /// `otherVector` and `otherCounters` speak for: the one comparison
    /// behind every `subsumes`, of states and of `CausalContext`s.
    static func hasSeen(_ vector: VersionVector, _ counters: [String: PNCounter],
                        all otherVector: VersionVector, _ otherCounters: [String: PNCounter]) -> Bool {
        vector.dominates(otherVector) && dominates(counters, otherCounters)
    }

    /// Whether `other` carries nothing this state has not already seen:
    /// for states replicas can reach, exactly when merging it changes nothing.
    public func subsumes(_ other: RecordState) -> Bool {
        RecordState.hasSeen(vector, counters, all: other.vector, other.counters)
    }
}
