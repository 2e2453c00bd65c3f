extension RecordState {
    /// The most bytes of text a field this node does not know may hold: the
    /// largest declared limit is 8 KiB, and a newer release may widen it.
    public static let maxForeignTextBytes = 65_536

    /// Checks a state that arrived from elsewhere before it is merged: values
    /// in canonical form, every sibling's dot inside the vector. Returns the
    /// reason it is unusable, or nil. Replicas and the hub run the same
    /// checks on every state they receive.
    ///
    /// `spec` is this node's declaration of the collection, nil when it
    /// does not know the collection. A field or counter it does not declare
    /// comes from a newer release (docs/SCHEMA-CHANGES.md): it is kept and
    /// merged like the others, and checked only for what every release
    /// writes (a field name; NFC text without NUL). A declared field must
    /// hold its declared type in canonical form, but not within this
    /// release's limits of length and range: a newer one may have widened
    /// them, and local writes are what the limits are for.
    public func problem(in spec: CollectionSpec?) -> String? {
        var cursor = spec.map(FieldCursor.init)
        for field in fields {
            if field.name == RecordState.deletedField {
                if field.siblings.contains(where: { if case .bool = $0.value { false } else { true } }) {
                    return "tombstone holds a non-boolean value"
                }
                continue
            }
            if let spec, let position = cursor?.position(of: field.name) {
                let declared = spec.fields[position]
                if declared.isCounter { return "counter \(field.name) carried as a value field" }
                for sibling in field.siblings where !spec.isCanonical(sibling.value, for: declared, withinLimits: false) {
                    return "field \(field.name) holds a value that is not valid \(declared.type.sqliteType.lowercased()) in canonical form"
                }
            } else if let problem = Self.foreignFieldProblem(field) {
                return problem
            }
        }
        for (name, counter) in counters {
            if let declared = spec?.field(name) {
                guard declared.isCounter else { return "field \(name) carried as a counter" }
            } else if !FieldSpec.isValidName(name) {
                return "counter name \(Self.quoted(name)) is not a field name"
            }
            guard counter.isWithinBounds else {
                return "counter \(name) is outside its bounds (increments and decrements each add up to at most \(PNCounter.maxTotal))"
            }
        }
        if spec == nil, resolvedOffice.map(FieldFormats.isOfficeCode) != true {
            return "the record names no office (every collection has an office field)"
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

    /// What any release could have written in a field this node does not declare.
    private static func foreignFieldProblem(_ field: Field) -> String? {
        guard FieldSpec.isValidName(field.name) else { return "field name \(quoted(field.name)) is not a field name" }
        for sibling in field.siblings {
            guard case .text(let text) = sibling.value else { continue }
            guard CollectionSpec.isStorableText(text, maxBytes: maxForeignTextBytes), NFC.isNormalised(text) else {
                return "field \(field.name) holds text that is not NFC, holds a NUL or passes \(maxForeignTextBytes) bytes"
            }
        }
        return nil
    }

    /// A name for an error message, cut short: it came from a peer.
    private static func quoted(_ name: String) -> String {
        "\"" + String(name.unicodeScalars.prefix(40).map(Character.init)) + "\""
    }

    /// The office the record belongs to, as every release resolves it
    /// (`office` is last-writer-wins text in every collection): what scope
    /// and the feed index use, also for a collection this node does not know.
    public var resolvedOffice: String? {
        guard case .text(let office)? = RecordState.winner(among: siblings(of: "office"), policy: .lastWriterWins)?.value else { return nil }
        return office
    }

    /// Whether a live state resolves every required field (a state that does
    /// not cannot be shown in the plain table).
    public func missingRequiredField(in spec: CollectionSpec) -> String? {
        resolvedRow(in: spec).flatMap(spec.missingRequiredField(in:))
    }
}
