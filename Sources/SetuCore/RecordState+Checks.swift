extension RecordState {
    /// Checks a state that arrived from elsewhere before it is merged: only
    /// declared fields, values already in canonical form, every sibling's dot
    /// inside the vector. Returns the reason it is unusable, or nil. Replicas
    /// and the hub run the same checks on every state they receive.
    public func problem(in spec: CollectionSpec) -> String? {
        for field in fields {
            if field.name == RecordState.deletedField {
                if field.siblings.contains(where: { if case .bool = $0.value { false } else { true } }) {
                    return "tombstone holds a non-boolean value"
                }
                continue
            }
            guard let declared = spec.field(field.name), !declared.isCounter else { return "unknown field \(field.name)" }
            for sibling in field.siblings where !spec.isCanonical(sibling.value, for: declared) {
                return "field \(field.name) holds a value that is not valid \(declared.type.sqliteType.lowercased()) in canonical form"
            }
        }
        for name in counters.keys where spec.field(name)?.isCounter != true {
            return "unknown counter \(name)"
        }
        for field in fields where field.siblings.contains(where: { !vector.contains($0.dot) }) {
            return "a value's dot lies outside the record's version vector"
        }
        return nil
    }

    /// Whether a live state resolves every required field (a state that does
    /// not cannot be shown in the plain table).
    public func missingRequiredField(in spec: CollectionSpec) -> String? {
        guard !isEmpty, !isDeleted else { return nil }
        return spec.fields.first { $0.isRequired && resolvedValue(of: $0) == .null }?.name
    }
}
