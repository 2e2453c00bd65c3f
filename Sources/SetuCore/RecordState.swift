/// The replicated state of one record: its version vector, the siblings of
/// each field and the counters. Two replicas that have seen the same writes
/// hold equal states, whatever order the writes arrived in.
///
/// Deletion is the hidden field `_deleted`: a delete writes `true`, every other
/// write writes `false` under its own dot. A delete concurrent with an update
/// therefore leaves two siblings there: an open conflict, not a silent loss.
///
/// Fields are kept as an array sorted by name (byte order) rather than a
/// dictionary: records have a dozen fields, and merge, encoding and
/// resolution then walk them in order without hashing a single name.
public struct RecordState: Hashable, Sendable {
    /// The tombstone field. Schema field names never start with `_`.
    public static let deletedField = "_deleted"

    public struct Field: Hashable, Sendable {
        public let name: String
        /// Sorted by dot.
        public var siblings: [Sibling]
    }

    public var vector: VersionVector
    /// Sorted by name, no duplicates, no empty sibling lists.
    public internal(set) var fields: [Field]
    public var counters: [String: PNCounter]

    public init(vector: VersionVector = VersionVector(), counters: [String: PNCounter] = [:]) {
        self.vector = vector
        self.fields = []
        self.counters = counters
    }

    /// Builds a state from fields in any order (the decoder and tests).
    public init(vector: VersionVector, fields: [String: [Sibling]], counters: [String: PNCounter] = [:]) {
        self.vector = vector
        self.counters = counters
        self.fields = fields.filter { !$0.value.isEmpty }
            .map { Field(name: $0.key, siblings: $0.value.sorted { $0.dot < $1.dot }) }
            .sorted { RecordState.precedes($0.name, $1.name) }
    }

    /// Builds a state from fields that come in order: names strictly
    /// ascending (byte order), each field's siblings strictly ascending by
    /// dot, none empty, as every encoder writes them. Nil when they do not,
    /// and the caller takes `init(vector:fields:counters:)`, which sorts: a
    /// bootstrap decodes millions of fields, and hashing each name into a
    /// dictionary only to sort it back cost more than checking the order.
    public init?(vector: VersionVector, orderedFields: [(name: String, siblings: [Sibling])], counters: [String: PNCounter] = [:]) {
        var previous: String?
        for field in orderedFields {
            guard !field.siblings.isEmpty, previous.map({ RecordState.precedes($0, field.name) }) ?? true,
                  zip(field.siblings, field.siblings.dropFirst()).allSatisfy({ $0.dot < $1.dot }) else { return nil }
            previous = field.name
        }
        self.init(vector: vector, sortedFields: orderedFields.map { Field(name: $0.name, siblings: $0.siblings) }, counters: counters)
    }

    init(vector: VersionVector, sortedFields: [Field], counters: [String: PNCounter]) {
        self.vector = vector
        self.fields = sortedFields
        self.counters = counters
    }

    public static let empty = RecordState()

    public func siblings(of field: String) -> [Sibling] {
        for entry in fields where entry.name == field { return entry.siblings }
        return []
    }

    /// Replaces a field's siblings, keeping `fields` sorted.
    mutating func setSiblings(_ siblings: [Sibling], of name: String) {
        if let i = fields.firstIndex(where: { $0.name == name }) {
            fields[i].siblings = siblings
        } else {
            let at = fields.firstIndex { RecordState.precedes(name, $0.name) } ?? fields.endIndex
            fields.insert(Field(name: name, siblings: siblings), at: at)
        }
    }

    /// Whether no write has ever touched this state.
    public var isEmpty: Bool { vector.sorted.isEmpty }

    /// Byte order of names: the same on every platform and locale.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.precedesInByteOrder(b)
    }
}
