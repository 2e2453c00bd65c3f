import SetuProtocol

/// One answer of `GET /v1/catalogue/changes`.
public struct CataloguePage: Sendable {
    public let entries: [CatalogueEntry]
    /// Where the next request goes on from: the last entry's feed position.
    public let cursor: Int64
    /// A full page: ask again at once.
    public let more: Bool

    public var json: JSONValue {
        .object([("changes", .array(entries.map(\.json))), ("cursor", .string(String(cursor))), ("more", .bool(more))])
    }
}
