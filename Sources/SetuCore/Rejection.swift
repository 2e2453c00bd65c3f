/// A record set aside instead of applied or accepted, with the reason: by a
/// replica applying a page (the rest of the page still flows) or by the hub
/// refusing part of a push (listed in its error body).
public struct Rejection: Hashable, Sendable, CustomStringConvertible {
    public let collection: String
    public let id: String
    public let reason: String

    public init(collection: String, id: String, reason: String) {
        self.collection = collection
        self.id = id
        self.reason = reason
    }

    public var description: String { "\(collection)/\(id): \(reason)" }
}
