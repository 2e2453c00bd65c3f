import SetuCore
import SetuProtocol

/// What the hub keeps of one node's bundles: the last one taken in (a
/// bundle numbered at or below it is a replay), what that bundle said the
/// node held of the hub's feed and how far it ran in the node's own feed
/// (the answer starts and acknowledges there), the records the hub refused
/// from it (the answer carries them back), and the last answer's number.
public struct BundleLedger: Hashable, Sendable {
    public var importedSeq: Int64 = 0
    public var held: Int64 = 0
    public var through: Int64 = 0
    public var rejections: [Rejection] = []
    public var answerSeq: Int64 = 0

    public init() {}

    /// Refusals as stored: a JSON array of `{collection, id, reason}`.
    static func encode(_ rejections: [Rejection]) -> String {
        String(decoding: JSONWriter.write(.array(rejections.map {
            .object([("collection", .string($0.collection)), ("id", .string($0.id)), ("reason", .string($0.reason))])
        })), as: UTF8.self)
    }

    static func decode(_ text: String) -> [Rejection] {
        guard let json = try? JSONParser.parse(Array(text.utf8)), let items = try? JSONReader(json).array() else { return [] }
        return items.compactMap { item in
            guard let collection = try? item.member("collection").string(), let id = try? item.member("id").string(),
                  let reason = try? item.member("reason").string() else { return nil }
            return Rejection(collection: collection, id: id, reason: reason)
        }
    }
}
