/// Why a write was refused. It names the collection and field and says what
/// was expected, but never repeats the value (it may be personal data).
public struct ValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A struct, not an enum, so codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let unknownCollection = Code(name: "unknown_collection")
        public static let unknownField = Code(name: "unknown_field")
        public static let wrongType = Code(name: "wrong_type")
        public static let missingField = Code(name: "missing_field")
        public static let tooLong = Code(name: "too_long")
        public static let invalidUTF8 = Code(name: "invalid_utf8")
        public static let invalidValue = Code(name: "invalid_value")
        public static let invalidID = Code(name: "invalid_id")
        /// The record's office is not one this node serves.
        public static let outOfScope = Code(name: "out_of_scope")
        public var description: String { name }
    }

    public let code: Code
    public let collection: String
    public let field: String?
    public let detail: String

    public init(_ code: Code, collection: String, field: String? = nil, _ detail: String) {
        self.code = code
        self.collection = collection
        self.field = field
        self.detail = detail
    }

    public var description: String {
        let place = field.map { "\(collection).\($0)" } ?? collection
        return "\(place): \(code): \(detail)"
    }

    /// The description without the code, for answers that carry the code
    /// in a field of their own (it is then printed once, not twice).
    public var message: String {
        "\(field.map { "\(collection).\($0)" } ?? collection): \(detail)"
    }
}
