/// The replicated state of one record: its version vector, the siblings of
/// each field and the counters. Two replicas that have seen the same writes
/// hold equal states, whatever order the writes arrived in.
///
/// Deletion is the hidden field `_deleted`: a delete writes `true`, every other
/// write writes `false` under its own dot. A delete concurrent with an update
/// therefore leaves two siblings there: an open conflict, not a silent loss.
public struct RecordState: Hashable, Sendable {
    /// The tombstone field. Schema field names never start with `_`.
    public static let deletedField = "_deleted"

    public var vector: VersionVector
    /// Field name → siblings, kept sorted by dot.
    public var fields: [String: [Sibling]]
    public var counters: [String: PNCounter]

    public init(vector: VersionVector = VersionVector(), fields: [String: [Sibling]] = [:], counters: [String: PNCounter] = [:]) {
        self.vector = vector
        self.fields = fields
        self.counters = counters
    }

    public static let empty = RecordState()

    public func siblings(of field: String) -> [Sibling] { fields[field] ?? [] }

    /// Whether no write has ever touched this state.
    public var isEmpty: Bool { vector.entries.isEmpty }

    /// Every dot that still holds a sibling somewhere in the record.
    public var liveDots: Set<Dot> {
        var dots = Set<Dot>()
        for siblings in fields.values { for s in siblings { dots.insert(s.dot) } }
        return dots
    }
}
