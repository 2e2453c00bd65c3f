/// The declaration of one field of a collection.
public struct FieldSpec: Hashable, Sendable {
    public let name: String
    public let type: FieldType
    public let isRequired: Bool
    public let policy: MergePolicy
    /// Concurrent values of this field need a person: its conflicts are listed
    /// as needing review (the shown value still follows `policy`).
    public let needsReview: Bool

    public init(_ name: String, _ type: FieldType, required: Bool = false, policy: MergePolicy? = nil, review: Bool = false) {
        self.name = name
        self.type = type
        self.isRequired = required
        self.policy = policy ?? (type == .counter ? .counter : .lastWriterWins)
        self.needsReview = review
    }

    public var isCounter: Bool { type == .counter }
}
