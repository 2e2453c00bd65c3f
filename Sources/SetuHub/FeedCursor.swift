/// A node's pull cursor as the hub reads it: the feed position the node
/// holds, and the purge floor it was last known to be consistent with.
/// Written `S`, or `S.T` once something in the node's offices was purged;
/// nodes treat it as opaque and send it back.
///
/// `through` is what lets a node re-bootstrap with an ordinary paged pull:
/// its cursors then lie below the purge floor (it is pulling from the
/// start), yet it holds nothing the purge forgot.
struct FeedCursor: Hashable, Sendable {
    let seq: Int64
    let through: Int64

    static let start = FeedCursor(seq: 0, through: 0)

    init(seq: Int64, through: Int64) {
        self.seq = seq
        self.through = through
    }

    init(parsing text: String?) throws {
        guard let text, !text.isEmpty else { self = .start; return }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let seq = Self.number(parts[0]), let through = parts.count == 2 ? Self.number(parts[1]) : 0 else {
            throw HubError.badRequest("bad_cursor", "cursor must be the value a previous pull returned (a decimal number of at most 18 digits, "
                + "or two joined by a dot)")
        }
        self.init(seq: seq, through: through)
    }

    private static func number(_ text: Substring) -> Int64? {
        guard text.utf8.count <= 18, let n = Int64(text), n >= 0, String(n) == text else { return nil }
        return n
    }

    var text: String { through == 0 ? String(seq) : "\(seq).\(through)" }

    /// Whether a node here may hold tombstones a purge up to `purgedThrough`
    /// forgot: it has passed a position that purge changed, but it was never
    /// told. A node that starts from nothing holds nothing.
    func predates(_ purgedThrough: Int64) -> Bool {
        seq > 0 && seq < purgedThrough && through < purgedThrough
    }
}
