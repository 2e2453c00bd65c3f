extension RecordState {
    /// Applies one local write under `dot`.
    ///
    /// Each written field's new value replaces all its current siblings (the
    /// writer has seen them); counters move by their deltas; the tombstone field
    /// records whether this write deletes. The vector advances to `dot`.
    /// The caller guarantees `dot` is newer than every dot of its node in the
    /// state (the hybrid clock does).
    ///
    /// The vector's new entry may take another field's old sibling past
    /// the cap (`capped(at:)`), which is applied here as after a merge.
    public mutating func write(
        _ values: [String: FieldValue], counterDeltas: [String: Int64] = [:], deleting: Bool = false, dot: Dot,
        siblingCap: Int = RecordState.defaultSiblingCap
    ) {
        let tombstone = Sibling(dot: dot, value: .bool(deleting))
        if fields.isEmpty, values[RecordState.deletedField] == nil {
            // A record's first write (an import, a new request): its fields
            // laid out once, in order, rather than each looked for and
            // inserted (a fifth of an import's write thread).
            var first = values.map { Field(name: $0.key, siblings: [Sibling(dot: dot, value: $0.value)]) }
            first.append(Field(name: RecordState.deletedField, siblings: [tombstone]))
            first.sort { RecordState.precedes($0.name, $1.name) }
            fields = first
        } else {
            for (name, value) in values {
                setSiblings([Sibling(dot: dot, value: value)], of: name)
            }
            setSiblings([tombstone], of: RecordState.deletedField)
        }
        for (name, delta) in counterDeltas where delta != 0 {
            counters[name, default: PNCounter()].adjust(by: delta, at: dot.node)
        }
        vector.advance(to: dot)
        self = capped(at: siblingCap)
    }

    /// Whether the record is deleted: every sibling of the tombstone says so.
    /// A record with a concurrent update stays visible until someone decides.
    public var isDeleted: Bool {
        let tomb = siblings(of: RecordState.deletedField)
        return !tomb.isEmpty && tomb.allSatisfy { $0.value == .bool(true) }
    }
}
