import SetuProtocol

/// How large the next pull page should be, from how long the last ones took.
///
/// Each page costs a round trip that the apply of the page before cannot
/// hide once the link's latency exceeds it: over a 40 ms round trip a 100k
/// bootstrap took 14.3 s in pages of 500 and 7.7 s in grown pages
/// (`setu-bench daemon`). On a slow link a page must stay small enough to
/// finish (a dropped transfer loses that page, not the ones before it).
/// So pages start at the configured size, which is also the smallest they
/// get; a full page that arrived in under a quarter of `targetSeconds`
/// doubles the next one, up to what the hub says it serves; a page that
/// took more than twice the target halves it again. A hub that does not
/// say what it serves is asked for no more than the configured page (it
/// would refuse a larger `limit`). Each sync starts from the configured page
/// and doubles it page by page up to the size reached (`next(page:)`), so
/// each page is fetched while the one before, half its size, is applied.
///
/// Pure: the sync engine feeds it each page's figures.
public struct PageSizer: Sendable, Hashable {
    /// The configured page (setud.toml `sync.page_records`, `page_bytes`).
    public let configured: PageLimits
    /// Whether pages may grow past `configured` at all (`sync.grow_pages`).
    public let grows: Bool
    public private(set) var current: PageLimits

    /// The transfer time a page is sized for: long enough that a page's
    /// fixed costs (round trip, commit) are small beside its records, short
    /// enough that a link that slows down is noticed within a page or two.
    public let targetSeconds: Double

    public init(configured: PageLimits, grows: Bool = true, targetSeconds: Double = 1) {
        self.configured = configured
        self.grows = grows
        self.targetSeconds = targetSeconds
        self.current = configured
    }

    /// What to ask for as page `page` (from 0) of a sync: the configured
    /// page doubled `page` times, at most the size reached so far.
    ///
    /// The first page is small (it carries the node's report, and the next
    /// one is fetched while it is applied, which a catch-up in one large
    /// page could not); the ramp keeps every later fetch hidden behind an
    /// apply. Jumping from the first page to the size reached left the apply
    /// waiting: a 10k catch-up applied 500 records in 11 ms, then waited
    /// 36 ms more for the next 5,000.
    public func next(page: Int) -> PageLimits {
        let factor = Double(1 << min(page, 20))
        return Self.smaller(current, Self.scaled(configured, by: factor, atLeast: configured))
    }

    /// Takes in one page: the size asked for, how many records and bytes
    /// it held, how long its transfer took, and what the hub said it serves.
    public mutating func observe(asked: PageLimits, records: Int, bytes: Int, seconds: Double, hubLimits: PageLimits?) {
        let ceiling = grows ? hubLimits.map { Self.larger($0, configured) } ?? configured : configured
        if seconds > 2 * targetSeconds {
            current = Self.scaled(asked, by: 0.5, atLeast: configured)
        } else if Self.isFull(asked, records: records, bytes: bytes), seconds < targetSeconds / 4 {
            current = Self.larger(current, Self.scaled(asked, by: 2, atLeast: configured))
        }
        current = Self.smaller(current, ceiling)
    }

    /// A page that stopped at its bound, not at the end of the feed: only
    /// such a page says the link could have carried more.
    static func isFull(_ asked: PageLimits, records: Int, bytes: Int) -> Bool {
        records >= asked.records || bytes * 10 >= asked.bytes * 9
    }

    static func scaled(_ limits: PageLimits, by factor: Double, atLeast floor: PageLimits) -> PageLimits {
        PageLimits(records: max(floor.records, Int(Double(limits.records) * factor)),
                   bytes: max(floor.bytes, Int(Double(limits.bytes) * factor)))
    }

    static func smaller(_ a: PageLimits, _ b: PageLimits) -> PageLimits {
        PageLimits(records: min(a.records, b.records), bytes: min(a.bytes, b.bytes))
    }

    static func larger(_ a: PageLimits, _ b: PageLimits) -> PageLimits {
        PageLimits(records: max(a.records, b.records), bytes: max(a.bytes, b.bytes))
    }
}
