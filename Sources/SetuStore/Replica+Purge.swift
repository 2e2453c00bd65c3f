import GRDB
import SetuCore

/// Purges and re-bootstraps (DESIGN §5, tombstone purge): how a replica forgets what the hub
/// forgot, and pulls everything again when it was away too long to be told.
extension Replica {
    /// Begins a re-bootstrap from `peer` (its answer was 410): lists every
    /// state `peer` holds, so the pull that follows replaces them instead of
    /// merging into them, and forgets the pull cursor. Unsent changes (not
    /// acknowledged, set aside by the peer, or outside rows not stamped yet)
    /// are not listed: they are kept, merged and pushed. Returns how many
    /// were listed and how many kept.
    @discardableResult
    public func beginRebootstrap(from peer: NodeID) throws -> (listed: Int, kept: Int) {
        try write { tx in
            let pushed = try Self.pushCursor(to: peer, in: tx.db)
            try tx.db.execute(sql: """
                INSERT OR IGNORE INTO setu_rebootstrap (collection, id)
                SELECT \(CollectionKey.nameSQL("r.collection")), r.id FROM setu_records r WHERE \(Self.heldByPeer)
                """, arguments: [Self.knownTo(peer), pushed])
            try tx.db.execute(sql: "UPDATE setu_cursors SET pulled = NULL WHERE peer = ?", arguments: [peer.rawValue])
            try ReplicaSchema.setMeta(tx.db, Self.rebootstrapKey, Int64(tx.nowMillis))
            let listed = try Int.fetchOne(tx.db, sql: "SELECT count(*) FROM setu_rebootstrap") ?? 0
            let total = try Int.fetchOne(tx.db, sql: "SELECT count(*) FROM setu_records") ?? 0
            return (listed, total - listed)
        }
    }

    /// States of a record listed for re-bootstrap that `peer` still holds
    /// as they are (`r` is the `setu_records` row): acknowledged or come
    /// from it, no refusal of it pending. Binds the peer, then its push cursor.
    static let heldByPeer = """
        (r.known_to = ?1 OR r.seq <= ?2)
        AND NOT EXISTS (SELECT 1 FROM setu_rejects j WHERE j.kind = 'refused' AND j.collection = \(CollectionKey.nameSQL("r.collection")) AND j.id = r.id)
        AND NOT EXISTS (SELECT 1 FROM setu_dirty d WHERE d.collection = \(CollectionKey.nameSQL("r.collection")) AND d.id = r.id)
        """

    /// In `setu_meta` while a re-bootstrap is under way: when it began.
    static let rebootstrapKey = "rebootstrap_began_ms"

    /// Whether a re-bootstrap is under way (begun, its pull not yet complete).
    public func isRebootstrapping() throws -> Bool {
        try read { db in try Int64.fetchOne(db, sql: "SELECT value FROM setu_meta WHERE key = ?", arguments: [Self.rebootstrapKey]) != nil }
    }

    /// How many states a re-bootstrap still has to pull again (0: none under way).
    public func rebootstrapPending() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM setu_rebootstrap") ?? 0 }
    }

    /// Ends a re-bootstrap once its pull reached the end of the feed: the
    /// listed states the hub did not send again were purged there, and are
    /// dropped (a state changed here since it was listed is kept). Returns
    /// how many were dropped, or nil when no re-bootstrap was under way.
    public func finishRebootstrap(from peer: NodeID) throws -> Int? {
        try write { tx in
            guard try Int64.fetchOne(tx.db, sql: "SELECT value FROM setu_meta WHERE key = ?", arguments: [Self.rebootstrapKey]) != nil else { return nil }
            let pushed = try Self.pushCursor(to: peer, in: tx.db)
            let stale = try Row.fetchAll(tx.db, sql: """
                SELECT b.collection, b.id FROM setu_rebootstrap b JOIN setu_records r ON r.collection = \(CollectionKey.keySQL("b.collection")) AND r.id = b.id
                WHERE \(Self.heldByPeer)
                """, arguments: [Self.knownTo(peer), pushed])
            for row in stale { try tx.drop(row["collection"], row["id"]) }
            try tx.db.execute(sql: "DELETE FROM setu_rebootstrap")
            try tx.db.execute(sql: "DELETE FROM setu_meta WHERE key = ?", arguments: [Self.rebootstrapKey])
            return stale.count
        }
    }
}

extension WriteTransaction {
    /// Drops the states the hub's purge notices cover (everything they held
    /// was part of a purged deletion); a state that has seen more is kept.
    /// Returns how many were dropped.
    mutating func forget(_ purged: [PurgedRecord]) throws -> Int {
        var dropped = 0
        for notice in purged {
            guard let local = try loadState(notice.collection, notice.id), notice.covers(local) else { continue }
            try drop(notice.collection, notice.id)
            dropped += 1
        }
        return dropped
    }

    /// Whether `collection/id` is listed by a re-bootstrap and still as the
    /// peer holds it: the peer's state then replaces it.
    func isListedForRebootstrap(_ collection: String, _ id: String, peer: NodeID) throws -> Bool {
        let pushed = try Replica.pushCursor(to: peer, in: db)
        return try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM setu_rebootstrap b JOIN setu_records r ON r.collection = \(CollectionKey.keySQL("b.collection")) AND r.id = b.id
            WHERE b.collection = ?3 AND b.id = ?4 AND \(Replica.heldByPeer)
            """), arguments: [Replica.knownTo(peer), pushed, collection, id]) ?? false
    }

    /// Removes a record's state, its plain row and its re-bootstrap entry.
    mutating func drop(_ collection: String, _ id: String) throws {
        try db.execute(sql: "DELETE FROM setu_records WHERE collection = ? AND id = ?", arguments: [CollectionKey.key(collection), id])
        try db.execute(sql: "DELETE FROM setu_rebootstrap WHERE collection = ? AND id = ?", arguments: [collection, id])
        if let spec = options.schema.named(collection) { try project(spec, id, nil) }
    }
}
