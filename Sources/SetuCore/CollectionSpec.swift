/// The declaration of one collection: its name and fields. The engine, the
/// plain tables and validation are all generic over this.
public struct CollectionSpec: Hashable, Sendable {
    public let name: String
    /// Fields in column order; `id` is implicit and always first.
    public let fields: [FieldSpec]
    private let index: [String: Int]

    public init(name: String, fields: [FieldSpec]) {
        precondition(!fields.contains { $0.name.hasPrefix("_") || $0.name == "id" }, "reserved field name in \(name)")
        self.name = name
        self.fields = fields
        self.index = Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1.name, $0) })
    }

    public func field(_ name: String) -> FieldSpec? {
        index[name].map { fields[$0] }
    }

    public var counterFields: [FieldSpec] { fields.filter(\.isCounter) }
    public var valueFields: [FieldSpec] { fields.filter { !$0.isCounter } }
}
