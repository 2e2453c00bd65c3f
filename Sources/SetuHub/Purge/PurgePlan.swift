/// Which tombstones a purge may drop: per office, the floor below which
/// every reader of that office (a node, or an integration reading the
/// catalogue) has acknowledged the feed. Pure, so it is tested without a hub.
///
/// A reader not seen for longer than the horizon does not hold purges
/// back: it is `away`, and when it comes back with a cursor below what was
/// purged it is told to re-bootstrap (410) instead of being left half-synced.
public struct PurgePlan: Hashable, Sendable {
    /// Someone who must see a tombstone before it is purged.
    public struct Reader: Hashable, Sendable {
        public let name: String
        public let offices: [String]
        /// The feed position it holds (0: none yet, or a release that does
        /// not apply purge notices).
        public let acknowledged: Int64
        /// Its last request, or its registration when it never came.
        public let lastSeenMillis: Int64

        public init(name: String, offices: [String], acknowledged: Int64, lastSeenMillis: Int64) {
            self.name = name
            self.offices = offices
            self.acknowledged = acknowledged
            self.lastSeenMillis = lastSeenMillis
        }

        /// Every reader gets national records, as in the feed.
        func reads(_ office: String) -> Bool {
            office.hasPrefix("all:") || offices.contains(office)
        }
    }

    /// Per office, the position at or below which tombstones are purged;
    /// nil when no reader within the horizon reads it (all of them, then).
    public let floors: [String: Int64?]
    /// Readers past the horizon, by name: left out of every floor.
    public let away: [String]

    public init(offices: [String], readers: [Reader], nowMillis: Int64, horizonMillis: Int64) {
        let present = readers.filter { nowMillis - $0.lastSeenMillis <= horizonMillis }
        away = readers.filter { nowMillis - $0.lastSeenMillis > horizonMillis }.map(\.name).sorted()
        var floors: [String: Int64?] = [:]
        for office in offices {
            floors[office] = present.filter { $0.reads(office) }.map(\.acknowledged).min()
        }
        self.floors = floors
    }
}
