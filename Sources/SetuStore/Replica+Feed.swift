import Foundation
import GRDB
import SetuCore

/// One entry of the replica's feed: a record whose state changed, at the
/// local sequence number of its latest change.
public struct FeedEntry: Hashable, Sendable {
    public let seq: Int64
    public let office: String
    public let record: ReplicatedRecord
}

/// A page of the feed. `lastSeq` is how far the page read, which can pass
/// the last entry when records known to the peer were skipped.
public struct FeedPage: Hashable, Sendable {
    public let entries: [FeedEntry]
    public let lastSeq: Int64
}

extension Replica {
    /// The peer an office syncs with: the feed for it is read through two
    /// partial indexes (`setu_records_unsent`, `setu_records_relayed`).
    public static let hub: NodeID = "hub"

    /// How `setu_records.known_to` names a peer (schema v10): the hub, which
    /// nearly every state came from, as '' (a text of no bytes, three bytes
    /// a record less), any other peer by its node id.
    static func knownTo(_ peer: NodeID?) -> String? { peer.map { $0 == hub ? "" : $0.rawValue } }

    /// Records changed after `seq`, in feed order, at most `limit` of them,
    /// skipping states `peer` already holds (they came from it unchanged).
    /// They are on disk when it returns any (`makeDurable`): a page is read
    /// to be sent.
    public func feed(after seq: Int64, limit: Int, for peer: NodeID? = nil) throws -> FeedPage {
        let page = try readFeed(after: seq, limit: limit, for: peer)
        if !page.entries.isEmpty { try makeDurable() }
        return page
    }

    private func readFeed(after seq: Int64, limit: Int, for peer: NodeID?) throws -> FeedPage {
        try read { db in
            // Skipped in SQL: after a pull, the states that came from the
            // peer are most of the feed past the push position, and reading
            // them a page at a time only to skip them cost a catch-up of 10k
            // records 20 pages and their acknowledgements. For the hub, the
            // rows it lacks are read from their two indexes and merged in
            // feed order; the others are not read at all.
            let queries = Self.feedQueries(for: peer)
            var rows: [Row] = []
            for sql in queries {
                rows += try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [seq, Self.knownTo(peer), limit])
            }
            if queries.count > 1 { rows.sort { ($0["seq"] as Int64) < ($1["seq"] as Int64) } }
            var entries: [FeedEntry] = []
            for row in rows.prefix(limit) {
                let blob: Data = row["state"]
                let (collection, id): (String, String) = (CollectionKey.name(row["collection"]), row["id"])
                let record = ReplicatedRecord(collection: collection, id: id, state: try StoredState.decode(blob, collection, id, in: db, schema: schema, numbering: nodeNumbers.reading(db)))
                entries.append(FeedEntry(seq: row["seq"], office: record.state.resolvedOffice ?? "", record: record))
            }
            // A short page read everything there is: the states skipped up
            // to the head are covered too, in the same snapshot.
            let last = entries.count < limit
                ? max(seq, try WriteTransaction.lastPosition(db))
                : entries.last?.seq ?? seq
            return FeedPage(entries: entries, lastSeq: last)
        }
    }

    /// Whether the feed past `seq` holds a state `peer` lacks (read in `db`).
    static func feedHoldsStates(after seq: Int64, lacking peer: NodeID, in db: Database) throws -> Bool {
        try feedQueries(for: peer).contains { sql in
            try Row.fetchOne(db.cachedStatement(sql: sql), arguments: [seq, knownTo(peer), 1]) != nil
        }
    }

    private static func feedQueries(for peer: NodeID?) -> [String] {
        peer == hub ? hubFeedSQL : [feedSQL]
    }

    private static let feedSQL = """
        SELECT seq, collection, id, state FROM setu_records WHERE seq > ?1 AND (?2 IS NULL OR known_to IS NOT ?2) ORDER BY seq LIMIT ?3
        """

    /// The literal conditions of the two partial indexes, so SQLite uses them.
    private static let hubFeedSQL = [
        "SELECT seq, collection, id, state FROM setu_records WHERE seq > ?1 AND known_to IS NULL AND ?2 IS NOT NULL ORDER BY seq LIMIT ?3",
        """
        SELECT seq, collection, id, state FROM setu_records
        WHERE seq > ?1 AND known_to IS NOT NULL AND known_to <> '' AND ?2 IS NOT NULL ORDER BY seq LIMIT ?3
        """,
    ]

    /// The latest feed position on this replica.
    public func feedHead() throws -> Int64 {
        try read { db in try WriteTransaction.lastPosition(db) }
    }

    /// The peer's pull cursor (opaque, the peer's own), stored with the last page applied.
    public func pullCursor(from peer: NodeID) throws -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT pulled FROM setu_cursors WHERE peer = ?", arguments: [peer.rawValue])
        }
    }

    /// How far `peer` has acknowledged this replica's feed.
    public func pushCursor(to peer: NodeID) throws -> Int64 {
        try read { db in try Self.pushCursor(to: peer, in: db) }
    }

    /// `pushCursor(to:)`, read in `db` (inside a transaction).
    static func pushCursor(to peer: NodeID, in db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT pushed FROM setu_cursors WHERE peer = ?"), arguments: [peer.rawValue]) ?? 0
    }

    /// Notes in `db` that `peer` holds the feed up to `seq`; never moves back.
    static func notePushed(to peer: NodeID, upTo seq: Int64, in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO setu_cursors (peer, pushed) VALUES (?, ?)
            ON CONFLICT(peer) DO UPDATE SET pushed = max(pushed, excluded.pushed)
            """, arguments: [peer.rawValue, seq])
    }

    /// Notes that `peer` acknowledged the feed up to `seq`. Never moves back.
    ///
    /// `pullCursor`: the peer said (`PushResponse.cursor`) that its feed
    /// holds nothing new for this node from the cursor it was sent (`from`)
    /// up to `to` but the states just pushed. The pull position moves with
    /// the acknowledgement, in one transaction, and only if it is still
    /// `from`: a cursor moved meanwhile by a pull is not moved back.
    public func acknowledgePush(to peer: NodeID, upTo seq: Int64, pullCursor: (from: String?, to: String)? = nil) throws {
        try pool.write { db in
            try Self.notePushed(to: peer, upTo: seq, in: db)
            if let pullCursor {
                try db.execute(sql: "UPDATE setu_cursors SET pulled = ? WHERE peer = ? AND pulled IS ?",
                               arguments: [pullCursor.to, peer.rawValue, pullCursor.from])
            }
        }
    }

    /// Local changes `peer` has not acknowledged yet (the "pending" of status):
    /// states no peer holds yet, plus outside SQL writes not yet stamped.
    /// A state relayed from a third peer is pushed but not counted here; an
    /// office syncs with the hub alone.
    public func pendingPushCount(to peer: NodeID) throws -> Int {
        try summary(for: peer).pendingPush
    }

    /// The counts status shows, read in one snapshot with indexed queries
    /// only: status is polled while a bootstrap writes, and must stay fast.
    public func summary(for peer: NodeID) throws -> ReplicaSummary {
        try read { db in
            // Status asks for this several times a second while an operator
            // watches: each query is compiled once per reader connection.
            func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
                try Int.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) ?? 0
            }
            let pushed = try Self.pushCursor(to: peer, in: db)
            let unsent = try count(Self.unsentCountSQL, [pushed])
            let dirty = try count("SELECT count(*) FROM (SELECT DISTINCT collection, id FROM setu_dirty)")
            let conflicts = try count("SELECT coalesce(sum(conflicts), 0) FROM setu_records WHERE conflicts > 0")
            let setAside = try count("SELECT count(*) FROM setu_rejects")
            let oversold = try count("SELECT count(*) FROM products INDEXED BY setu_products_oversold WHERE stock < 0")
            // The first unsent record in feed order holds the oldest change
            // still waiting; its own latest dot says when it was written.
            // One row by the partial index, so status stays cheap.
            let oldest = try Data.fetchOne(db.cachedStatement(sql: "SELECT state FROM setu_records WHERE known_to IS NULL AND seq > ? ORDER BY seq LIMIT 1"),
                                           arguments: [pushed])
                .flatMap { try? StateCodec.decodeWithoutRow(Array($0), numbering: nodeNumbers.reading(db)).state }
                .flatMap { $0.vector[node]?.physicalMillis }
            let relisted = try count("SELECT count(*) FROM setu_rebootstrap")
            return ReplicaSummary(pendingPush: unsent + dirty, openConflicts: conflicts, setAside: setAside, oversold: oversold, oldestUnsentMillis: oldest,
                                  lastBundleOut: try Self.bundleMark(db, "bundle.seq"), lastAnswerIn: try Self.bundleMark(db, "bundle.answer_seq"),
                                  rebootstrapPending: relisted)
        }
    }
}

extension Replica {
    /// How many states past a push position (its one argument) no peer
    /// holds: status's pending count.
    static let unsentCountSQL = "SELECT count(*) FROM setu_records WHERE known_to IS NULL AND seq > ?"
}

/// What `Replica.summary(for:)` counts.
public struct ReplicaSummary: Sendable, Equatable {
    public var pendingPush: Int
    public var openConflicts: Int
    public var setAside: Int
    /// Products whose stock is below zero (see `oversold()`).
    public var oversold: Int
    /// When the oldest change not yet sent was written (this node's clock).
    public var oldestUnsentMillis: UInt64?
    /// The last bundle exported here, and the last answer taken in.
    public var lastBundleOut: BundleMark?
    public var lastAnswerIn: BundleMark?
    /// States a re-bootstrap has still to pull again (0: none under way).
    public var rebootstrapPending = 0
}
