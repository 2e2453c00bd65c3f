/// The declaration of one collection: its name and fields. The engine, the
/// plain tables and validation are all generic over this.
public struct CollectionSpec: Hashable, Sendable {
    public let name: String
    /// Fields in column order; `id` is implicit and always first.
    public let fields: [FieldSpec]
    /// Derived once: asked for on every record merged and projected.
    public let counterFields: [FieldSpec]
    public let valueFields: [FieldSpec]
    /// Field names in byte order, the order a `RecordState` keeps its fields
    /// in, and each one's position in `fields`: a state is matched against
    /// its declaration in one walk, without hashing a name (see `FieldCursor`).
    let namesInStateOrder: [String]
    let positionsInStateOrder: [Int]
    /// Where `office` sits in `fields` (every replicated collection has one).
    public let officePosition: Int?
    /// Where the counters sit in `fields`.
    let counterPositions: [Int]
    /// Each field's position in `fields`, by name.
    let index: [String: Int]
    /// Every value field null: a whole write's values start as a copy of it
    /// (`validate`), so the fields it leaves out need no lookup each.
    let nullValues: [String: FieldValue]
    /// How many fields are required.
    let requiredCount: Int
    /// Tells two declarations of one name apart without comparing every
    /// field (a newer schema's `products` beside this one's): an in-process
    /// hash, never stored.
    public let declarationHash: Int

    public init(name: String, fields: [FieldSpec]) {
        precondition(!fields.contains { $0.name.hasPrefix("_") || $0.name == "id" }, "reserved field name in \(name)")
        self.name = name
        self.fields = fields
        self.index = Dictionary(uniqueKeysWithValues: fields.enumerated().map { ($1.name, $0) })
        self.counterFields = fields.filter { $0.isCounter }
        self.valueFields = fields.filter { !$0.isCounter }
        self.nullValues = Dictionary(uniqueKeysWithValues: valueFields.map { ($0.name, FieldValue.null) })
        self.requiredCount = fields.count { $0.isRequired }
        let order = fields.indices.sorted { RecordState.precedes(fields[$0].name, fields[$1].name) }
        self.namesInStateOrder = order.map { fields[$0].name }
        self.positionsInStateOrder = order
        self.officePosition = fields.firstIndex { $0.name == "office" }
        self.counterPositions = fields.indices.filter { fields[$0].isCounter }
        var hasher = Hasher()
        hasher.combine(name)
        hasher.combine(fields)
        self.declarationHash = hasher.finalize()
    }

    /// Specs are declared once, in `Collections`; the name identifies one.
    public static func == (a: CollectionSpec, b: CollectionSpec) -> Bool { a.name == b.name && a.fields == b.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    public func field(_ name: String) -> FieldSpec? {
        index[name].map { fields[$0] }
    }

    /// The name of the first required field `row` (values in `fields` order)
    /// leaves null.
    public func missingRequiredField(in row: [FieldValue]) -> String? {
        for position in fields.indices where fields[position].isRequired && row[position] == .null {
            return fields[position].name
        }
        return nil
    }
}

/// Finds the declared position of each of a state's fields, in the state's
/// (byte) order. Both lists are sorted the same way, so each search starts
/// where the last match ended and compares names only for equality.
public struct FieldCursor {
    private let spec: CollectionSpec
    private var next = 0

    public init(_ spec: CollectionSpec) { self.spec = spec }

    /// The position in `spec.fields` of `name`, which must not sort before
    /// the names already asked for; nil when it is not declared.
    public mutating func position(of name: String) -> Int? {
        var k = next
        while k < spec.namesInStateOrder.count {
            if spec.namesInStateOrder[k] == name {
                next = k + 1
                return spec.positionsInStateOrder[k]
            }
            k += 1
        }
        return nil
    }
}
