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
        guard let row = resolvedRow(in: collection) else { return nil }
        return Dictionary(uniqueKeysWithValues: zip(collection.fields.map(\.name), row))
    }

    /// Every declared field's shown value, in `fields` (column) order, or
    /// nil when the record is deleted (or was never written): the plain
    /// table's row. One walk over the state, not a search per field.
    public func resolvedRow(in collection: CollectionSpec) -> [FieldValue]? {
        guard !isEmpty, !isDeleted else { return nil }
        var row = [FieldValue](repeating: .null, count: collection.fields.count)
        var cursor = FieldCursor(collection)
        for field in fields {
            guard let position = cursor.position(of: field.name) else { continue }
            let policy = collection.fields[position].policy
            row[position] = RecordState.winner(among: field.siblings, policy: policy)?.value ?? .null
        }
        for position in collection.counterPositions {
            row[position] = .int(counters[collection.fields[position].name]?.value ?? 0)
        }
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
