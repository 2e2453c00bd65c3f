extension RecordState {
    /// The value of one field as shown in the plain table, picked from its
    /// siblings by the field's policy. Deterministic: every replica with this
    /// state shows the same value.
    public func resolvedValue(of spec: FieldSpec) -> FieldValue {
        if spec.isCounter { return .int(counters[spec.name]?.value ?? 0) }
        let siblings = siblings(of: spec.name)
        guard let winner = RecordState.winner(among: siblings, policy: spec.policy) else { return .null }
        return winner.value
    }

    /// Field name → shown value for every declared field, or nil when the
    /// record is deleted (or was never written).
    public func resolved(in collection: CollectionSpec) -> [String: FieldValue]? {
        guard !isEmpty, !isDeleted else { return nil }
        var row: [String: FieldValue] = [:]
        for spec in collection.fields { row[spec.name] = resolvedValue(of: spec) }
        return row
    }

    static func winner(among siblings: [Sibling], policy: MergePolicy) -> Sibling? {
        switch policy {
        case .lastWriterWins, .counter:
            return siblings.max { $0.dot < $1.dot }
        case .rank(let order):
            func rank(_ s: Sibling) -> Int {
                if case .text(let t) = s.value, let i = order.firstIndex(of: t) { return i }
                return -1
            }
            return siblings.max { a, b in
                rank(a) != rank(b) ? rank(a) < rank(b) : a.dot < b.dot
            }
        }
    }
}
