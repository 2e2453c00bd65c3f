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

    /// A field name any release may declare: a lowercase ASCII letter, then
    /// up to 63 lowercase letters, digits or `_`. Names starting with `_`
    /// are Setu's own (the tombstone).
    public static func isValidName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...64).contains(bytes.count), let first = bytes.first, first >= 0x61, first <= 0x7A else { return false }
        return bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }
}
