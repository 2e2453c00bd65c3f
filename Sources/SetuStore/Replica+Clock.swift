import Foundation
import GRDB
import SetuCore

/// What taking the hub's time as the reference did.
public struct ClockCorrection: Sendable, Equatable {
    /// The hub's clock less this PC's wall clock, now in use.
    public var offsetMillis: Int64
    /// Local writes stamped past the bound (the PC's clock ran ahead), moved
    /// back near the hub's time so the hub accepts them.
    public var restamped: Int
    /// The offset moved by more than the skew bound since the last sync: the
    /// PC's clock was set or reset. What was set aside for its time is
    /// tried again.
    public var jumped: Bool
}

extension Replica {
    /// Physical time as the hub keeps it: this PC's wall clock corrected by
    /// the offset last measured from the hub (DESIGN §4, "the hub is the time
    /// reference"). Every stamp and every skew check of the replica uses it,
    /// so a PC whose clock is years off neither refuses the hub's records
    /// nor has its own refused.
    ///
    /// The offset is kept in the replica, so a restart stamps with it before
    /// the first sync; a clock that jumps in between is caught at that sync
    /// (`adoptHubClock`).
    public func now() -> UInt64 {
        let wall = Int64(clamping: options.now())
        return UInt64(max(0, wall &+ clockOffsetMillis))
    }

    public var clockOffsetMillis: Int64 { clockOffset.withLock { $0 } }

    /// Takes `offsetMillis` (the hub's clock less this PC's, measured from
    /// an answer's `Date`) as the correction from now on, and moves local
    /// writes stamped past the bound back near the hub's time.
    ///
    /// Offsets within two seconds of the one in use are not stored: `Date`
    /// has whole seconds, and rewriting the offset at every sync would only
    /// make the stamps wobble.
    @discardableResult
    public func adoptHubClock(offsetMillis: Int64) throws -> ClockCorrection {
        let old = clockOffsetMillis
        let change = offsetMillis.subtractingReportingOverflow(old).partialValue.magnitude
        let jumped = change > options.maxSkewMillis
        if change >= 2000 {
            try pool.write { db in
                try ReplicaSchema.setMeta(db, "clock_offset_ms", offsetMillis)
                // A set-aside caused by the clock may go through now.
                if jumped { try db.execute(sql: "UPDATE setu_rejects SET retry_at_ms = 0 WHERE kind <> 'sql'") }
            }
            clockOffset.withLock { $0 = offsetMillis }
        }
        let restamped = try write { tx in try tx.restampFutureWrites() }
        return ClockCorrection(offsetMillis: clockOffsetMillis, restamped: restamped, jumped: jumped)
    }

    func storedClockOffset() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT value FROM setu_meta WHERE key = 'clock_offset_ms'") ?? 0 }
    }
}

extension WriteTransaction {
    /// Dots within this margin past the bound are left alone: the hub
    /// measures the bound against its own clock, known here only to about a
    /// second, and a dot it has accepted must never be moved.
    static let restampMarginMillis: UInt64 = 60_000

    /// Moves this node's dots that lie past the bound (stamped while the
    /// PC's clock ran ahead) back to just after the latest time this replica
    /// has seen otherwise, and restarts the clock there.
    ///
    /// The hub refuses dots past the bound, so nobody else holds these: they
    /// can take new times. They take the earliest times they could have been
    /// made at (after everything this node had seen), not the hub's now, so
    /// a node whose clock was wrong never wins a conflict by it. Each moved
    /// record takes a new feed position and goes out at the next push, also
    /// when the hub had refused it and the cursor had moved past it.
    ///
    /// Costs one look at the clock unless the clock is past the bound; then
    /// one pass over the records.
    mutating func restampFutureWrites() throws -> Int {
        let limit = HLCTimestamp(physicalMillis: nowMillis + options.maxSkewMillis + Self.restampMarginMillis, logical: HLCTimestamp.maxLogical)
        guard clock.last > limit else { return 0 }
        var latest = HLCTimestamp(physicalMillis: HLCTimestamp.earliestMillis)
        var late: [(collection: String, id: String, state: RecordState)] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT collection, id, state FROM setu_records ORDER BY seq")
        while let row = try rows.next() {
            let blob: Data = row["state"]
            let collection = CollectionKey.name(row["collection"])
            let state = try StoredState.decode(blob, collection, row["id"], in: db, schema: options.schema, numbering: numbering)
            latest = max(latest, state.latestTime(notAfter: limit))
            if let own = state.vector[node], own > limit { late.append((collection, row["id"], state)) }
        }
        var restart = HybridClock(last: latest, maxSkewMillis: options.maxSkewMillis)
        for entry in late {
            guard let spec = options.schema.named(entry.collection),
                  let moved = entry.state.restamped(node: node, after: limit, to: restart.tick(nowMillis: 0)) else { continue }
            // Moved dots are later writes: the cap may now drop an older
            // sibling, and is applied as after any write, so the state
            // stored is the one every replica would hold.
            try store(spec, entry.id, moved.capped(at: options.schema.siblingCap), isNew: false)
        }
        clock = restart
        return late.count
    }
}
