/// A field whose siblings hold more than one distinct value: concurrent
/// writes that nobody has reconciled yet.
///
/// Derived from the state alone, so every replica that has seen the same
/// writes lists the same conflicts. Resolving one is an ordinary write of the
/// chosen value, which supersedes all siblings everywhere it travels.
public struct FieldConflict: Hashable, Sendable {
    public let collection: String
    public let id: String
    /// The field, or `_deleted` for a delete concurrent with an update.
    public let field: String
    /// All siblings, oldest dot first.
    public let siblings: [Sibling]
    /// The value the plain table shows meanwhile.
    public let shown: FieldValue
    /// A person should decide (text flagged for review, or delete vs update).
    public let needsReview: Bool

    /// Whether this is a delete concurrent with an update.
    public var isDeleteConflict: Bool { field == RecordState.deletedField }

    /// The oldest dot's time: how long the conflict has waited.
    public var openedAt: HLCTimestamp { siblings.map(\.dot.time).min() ?? .zero }

    /// One value and every write that gave it, newest writer last.
    public struct Value: Hashable, Sendable {
        public let value: FieldValue
        public let dots: [Dot]
    }

    /// The distinct values, in the order of their newest write: siblings
    /// with identical values (two offices approving the same request) are
    /// one value of the conflict, not two.
    public var values: [Value] {
        var groups: [(value: FieldValue, dots: [Dot])] = []
        for sibling in siblings {
            if let i = groups.firstIndex(where: { $0.value.isIdentical(to: sibling.value) }) {
                groups[i].dots.append(sibling.dot)
            } else {
                groups.append((sibling.value, [sibling.dot]))
            }
        }
        return groups.sorted { $0.dots.last! < $1.dots.last! }.map { Value(value: $0.value, dots: $0.dots) }
    }
}

extension RecordState {
    /// The open conflicts of this record, in field declaration order, the
    /// tombstone last. Siblings with identical values are not a conflict.
    public func conflicts(collection spec: CollectionSpec, id: String) -> [FieldConflict] {
        guard !isEmpty else { return [] }
        var found: [FieldConflict] = []
        for field in spec.valueFields {
            let siblings = siblings(of: field.name)
            guard siblings.count > 1, RecordState.distinctValues(siblings) else { continue }
            found.append(FieldConflict(collection: spec.name, id: id, field: field.name, siblings: siblings,
                                       shown: resolvedValue(of: field), needsReview: field.needsReview))
        }
        let tomb = siblings(of: RecordState.deletedField)
        if tomb.count > 1, RecordState.distinctValues(tomb) {
            found.append(FieldConflict(collection: spec.name, id: id, field: RecordState.deletedField, siblings: tomb,
                                       shown: .bool(false), needsReview: true))
        }
        return found
    }

    /// How many conflicts `conflicts(collection:id:)` would list, without
    /// building them: stored with every state written, so it must be cheap.
    public func openConflictCount(in spec: CollectionSpec) -> Int {
        guard !isEmpty else { return 0 }
        var count = 0
        for field in fields where field.siblings.count > 1 && RecordState.distinctValues(field.siblings) {
            if field.name == RecordState.deletedField || spec.field(field.name)?.isCounter == false { count += 1 }
        }
        return count
    }

    /// Whether the siblings hold more than one value, compared byte for byte.
    static func distinctValues(_ siblings: [Sibling]) -> Bool {
        siblings.dropFirst().contains { !$0.value.isIdentical(to: siblings[0].value) }
    }
}
