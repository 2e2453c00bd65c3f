import SetuCore

/// What one stamped local write did: its dot, the fields it wrote and the
/// record's vector right after it (what the write had seen).
public struct WriteReceipt: Hashable, Sendable {
    public let collection: String
    public let id: String
    public let dot: Dot
    public let fields: [String: FieldValue]
    public let counterDeltas: [String: Int64]
    public let deleted: Bool
    public let vectorAfter: VersionVector
}
