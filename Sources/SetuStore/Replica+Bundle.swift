import Foundation
import GRDB
import SetuCore

/// What an office bundle carries, read from the replica in one snapshot:
/// every local change `peer` has not acknowledged, and how far this
/// replica holds `peer`'s feed (so the answer brings exactly the rest).
public struct BundleContent: Sendable {
    /// This replica's bundle number, one more than the last exported.
    public let seq: Int64
    /// Each record's key and its state's canonical bytes, as stored (not
    /// decoded: a bundle carries exactly these bytes).
    public let states: [(collection: String, id: String, state: [UInt8])]
    /// The pull cursor from `peer` (0 before any pull).
    public let held: Int64
    /// This replica's feed position the records run to: what `peer`
    /// acknowledges by taking the bundle in.
    public let through: Int64
}

/// A bundle made or taken in here: its number, and when (this node's clock).
public struct BundleMark: Hashable, Sendable {
    public let seq: Int64
    public let atMillis: Int64
}

/// An answer bundle whose number is not above the last one taken in.
public struct AnswerReplayed: Error, Sendable {
    public let seq: Int64
    public let last: Int64
}

extension Replica {
    /// Reads the next bundle's content and counts its number (a number is
    /// used once even if its file is never written: the hub only asks that
    /// numbers grow). Outside SQL writes are stamped first, so they travel;
    /// what it read is on disk when it returns (`makeDurable`).
    public func prepareBundle(for peer: NodeID) throws -> BundleContent {
        let content = try readBundle(for: peer)
        try makeDurable()
        return content
    }

    private func readBundle(for peer: NodeID) throws -> BundleContent {
        _ = try stampOutsideWrites()
        let seq = try pool.write { db in
            let next = (try Int64.fetchOne(db, sql: "SELECT value FROM setu_meta WHERE key = 'bundle.seq'") ?? 0) + 1
            try ReplicaSchema.setMeta(db, "bundle.seq", next)
            try ReplicaSchema.setMeta(db, "bundle.seq_ms", Int64(now()))
            return next
        }
        return try read { db in
            let pushed = try Self.pushCursor(to: peer, in: db)
            let pulled = try String.fetchOne(db, sql: "SELECT pulled FROM setu_cursors WHERE peer = ?", arguments: [peer.rawValue])
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, collection, id, state, known_to FROM setu_records WHERE seq > ? ORDER BY seq",
                                           arguments: [pushed])
            var states: [(collection: String, id: String, state: [UInt8])] = []
            var through = pushed
            while let row = try rows.next() {
                through = row["seq"]
                if (row["known_to"] as String?) == Self.knownTo(peer) { continue }
                let blob: Data = row["state"]
                let (collection, id): (String, String) = (CollectionKey.name(row["collection"]), row["id"])
                states.append((collection, id, try StoredState.canonical(blob, collection, id, in: db, schema: schema, numbering: nodeNumbers.reading(db))))
            }
            return BundleContent(seq: seq, states: states, held: pulled.flatMap { Int64($0) } ?? 0, through: through)
        }
    }

    /// The key the hub signs answers with, as last learnt (a network sync,
    /// or `hub.public_key` in setud.toml); nil if never.
    public func hubSigningKey() throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM setu_meta WHERE key = 'bundle.hub_key'") }
    }

    public func setHubSigningKey(_ key: String) throws {
        guard try hubSigningKey() != key else { return }
        try pool.write { db in try ReplicaSchema.setMeta(db, "bundle.hub_key", key) }
    }

    /// The last bundle exported (`bundle.seq`) or answer taken in
    /// (`bundle.answer_seq`), for status; nil if none, inside a read.
    static func bundleMark(_ db: Database, _ key: String) throws -> BundleMark? {
        let select = try db.cachedStatement(sql: "SELECT value FROM setu_meta WHERE key = ?")
        guard let seq = try Int64.fetchOne(select, arguments: [key]), let at = try Int64.fetchOne(select, arguments: [key + "_ms"]) else { return nil }
        return BundleMark(seq: seq, atMillis: at)
    }

    /// Takes in a verified answer from `peer`, in one transaction: its
    /// states (merged as a pull page is), its refusals (set aside, as a
    /// refused push is), the push acknowledgement up to `through`, the pull
    /// cursor moved to `cursor` when the answer starts at or before what
    /// this replica holds (never back), and its number, so the same answer
    /// twice is refused as a replay and changes nothing.
    @discardableResult
    public func applyAnswer(_ records: some Sequence<ReplicatedRecord>, rejections: [Rejection], from peer: NodeID, seq: Int64, held: Int64,
                            cursor: Int64, through: Int64) throws -> ApplyReport {
        let now = Int64(self.now())
        return try write { tx in
            let last = try Int64.fetchOne(tx.db, sql: "SELECT value FROM setu_meta WHERE key = 'bundle.answer_seq'") ?? 0
            guard seq > last else { throw AnswerReplayed(seq: seq, last: last) }
            let report = try tx.applyAll(records, from: peer)
            for rejection in rejections {
                try Self.noteRefused(tx.db, rejection.collection, id: rejection.id, by: peer.rawValue, reason: rejection.reason, now: now)
            }
            let pulled = try String.fetchOne(tx.db, sql: "SELECT pulled FROM setu_cursors WHERE peer = ?", arguments: [peer.rawValue])
                .flatMap { Int64($0) } ?? 0
            let newCursor = pulled >= held ? max(pulled, cursor) : pulled
            try tx.db.execute(sql: """
                INSERT INTO setu_cursors (peer, pulled, pushed) VALUES (?, ?, ?)
                ON CONFLICT(peer) DO UPDATE SET pulled = excluded.pulled, pushed = max(pushed, excluded.pushed)
                """, arguments: [peer.rawValue, String(newCursor), through])
            try ReplicaSchema.setMeta(tx.db, "bundle.answer_seq", seq)
            try ReplicaSchema.setMeta(tx.db, "bundle.answer_seq_ms", now)
            return report
        }
    }
}
