extension RecordState {
    /// Checks a state that arrived from elsewhere before it is merged: only
    /// declared fields, values already in canonical form, every sibling's dot
    /// inside the vector. Returns the reason it is unusable, or nil. Replicas
    /// and the hub run the same checks on every state they receive.
    public func problem(in spec: CollectionSpec) -> String? {
        var cursor = FieldCursor(spec)
        for field in fields {
            if field.name == RecordState.deletedField {
                if field.siblings.contains(where: { if case .bool = $0.value { false } else { true } }) {
                    return "tombstone holds a non-boolean value"
                }
                continue
            }
            guard let position = cursor.position(of: field.name), !spec.fields[position].isCounter else {
                return "unknown field \(field.name)"
            }
            for sibling in field.siblings where !spec.isCanonical(sibling.value, for: spec.fields[position]) {
                return "field \(field.name) holds a value that is not valid \(spec.fields[position].type.sqliteType.lowercased()) in canonical form"
            }
        }
        for (name, counter) in counters {
            guard spec.field(name)?.isCounter == true else { return "unknown counter \(name)" }
            guard counter.isWithinBounds else {
                return "counter \(name) is outside its bounds (increments and decrements each add up to at most \(PNCounter.maxTotal))"
            }
        }
        // One write gives many fields the same dot: look each dot up once.
        var lastChecked: Dot?
        for field in fields {
            for sibling in field.siblings where sibling.dot != lastChecked {
                guard vector.contains(sibling.dot) else { return "a value's dot lies outside the record's version vector" }
                lastChecked = sibling.dot
            }
        }
        return nil
    }

    /// Whether a live state resolves every required field (a state that does
    /// not cannot be shown in the plain table).
    public func missingRequiredField(in spec: CollectionSpec) -> String? {
        resolvedRow(in: spec).flatMap(spec.missingRequiredField(in:))
    }
}
