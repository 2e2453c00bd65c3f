import SetuCore
import SetuProtocol

/// One product as the catalogue feed shows it: the values the offices'
/// plain tables show, never the replication state (vectors, dots,
/// siblings), which no e-commerce platform speaks.
public struct CatalogueEntry: Sendable {
    public let id: String
    public let office: String
    /// The resolved row (field → shown value), or nil once deleted.
    public let values: [String: FieldValue]?
    /// Fields with concurrent values nobody has reconciled yet, in
    /// declaration order; `_deleted` when one office deleted the product
    /// while another changed it.
    public let conflicts: [String]

    /// Fields whose open conflict should keep the product off sale until
    /// the office settles it: what the buyer sees and pays.
    static let holdingFields: Set<String> = ["title", "price_paisa", RecordState.deletedField]

    public init(id: String, office: String, state: RecordState) {
        let spec = Collections.products
        self.id = id
        self.office = office
        self.values = state.resolved(in: spec)
        self.conflicts = values == nil ? [] : state.conflicts(collection: spec, id: id).map(\.field)
    }

    public var isDeleted: Bool { values == nil }

    public var stock: Int64 {
        if case .int(let n)? = values?["stock"] { return n }
        return 0
    }

    /// Sold past zero: sales online and at the display centre the same day
    /// took more than it had. Accepted (the sales happened), shown until
    /// the centre restocks or recounts.
    public var isOversold: Bool { !isDeleted && stock < 0 }

    /// The platform should not sell it while this holds.
    public var hold: Bool { conflicts.contains(where: Self.holdingFields.contains) }

    public var json: JSONValue {
        guard let values else {
            return .object([("id", .string(id)), ("office", .string(office)), ("deleted", .bool(true))])
        }
        var members: [(String, JSONValue)] = [("id", .string(id))]
        for field in Collections.products.fields {
            members.append((field.name, JSONValue(values[field.name] ?? .null)))
        }
        members += [
            ("deleted", .bool(false)), ("oversold", .bool(isOversold)), ("hold", .bool(hold)),
            ("conflicts", .array(conflicts.map { .string($0) })),
        ]
        return .object(members)
    }
}
