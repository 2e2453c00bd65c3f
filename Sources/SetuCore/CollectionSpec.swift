/// The declaration of one collection: its name and fields. The engine, the
/// plain tables and validation are all generic over this.
public struct CollectionSpec: Hashable, Sendable {
    public let name: String
    /// Fields in column order; `id` is implicit and always first.
    public let fields: [FieldSpec]
    /// Derived once: asked for on every record merged and projected.
    public let counterFields: [FieldSpec]
    public let valueFields: [FieldSpec]
    private let index: [String: Int]

    public init(name: String, fields: [FieldSpec]) {
        precondition(!fields.contains { $0.name.hasPrefix("_") || $0.name == "id" }, "reserved field name in \(name)")
        self.name = name
        self.fields = fields
        self.index = Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1.name, $0) })
        self.counterFields = fields.filter { $0.isCounter }
        self.valueFields = fields.filter { !$0.isCounter }
    }

    /// Specs are declared once, in `Collections`; the name identifies one.
    public static func == (a: CollectionSpec, b: CollectionSpec) -> Bool { a.name == b.name && a.fields == b.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    public func field(_ name: String) -> FieldSpec? {
        index[name].map { fields[$0] }
    }
}
