/// The largest pull page a hub serves, in records and in bytes of JSON
/// (`Setu-Page-Limits` on pull answers: `records=5000, bytes=4194304`).
///
/// An office asks for more than its configured page only when the hub has
/// said it may: a hub from before this header refuses a `limit` past its
/// own bound, so a node that has not heard one stays at its configured page.
public struct PageLimits: Sendable, Hashable, CustomStringConvertible {
    public var records: Int
    public var bytes: Int

    public init(records: Int, bytes: Int) {
        self.records = records
        self.bytes = bytes
    }

    /// The header's value.
    public var description: String { "records=\(records), bytes=\(bytes)" }

    /// Reads a header value; nil when it is not in the form above (an
    /// unreadable bound is treated as none given, never as a larger one).
    public init?(header: String) {
        var records: Int?, bytes: Int?
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let value = Int(pair[1]), value > 0 else { return nil }
            switch pair[0] {
            case "records": records = value
            case "bytes": bytes = value
            default: continue  // a later hub may say more
            }
        }
        guard let records, let bytes else { return nil }
        self.init(records: records, bytes: bytes)
    }
}
