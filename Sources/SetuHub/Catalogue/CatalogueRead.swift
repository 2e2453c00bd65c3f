/// An integration's last catalogue read (`HubStorage.noteCatalogueRead`).
public struct CatalogueRead: Hashable, Sendable {
    public let cursor: Int64
    public let atMillis: Int64
    public let through: Int64

    public init(cursor: Int64, atMillis: Int64, through: Int64) {
        self.cursor = cursor
        self.atMillis = atMillis
        self.through = through
    }
}
