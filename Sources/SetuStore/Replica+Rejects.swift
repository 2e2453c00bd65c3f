import Foundation
import GRDB
import SetuCore

/// A write set aside, as listed for operators.
public struct StoredRejection: Hashable, Sendable {
    /// What was set aside, and so what trying it again means.
    public enum Kind: String, Sendable {
        /// A peer's state this replica refused: kept, applied again.
        case received
        /// A local write the peer refused: sent again.
        case refused
        /// A row another SQLite client wrote that this replica refused: its
        /// values are kept and written again.
        case sql
    }

    /// The entry's number, for `setuctl rejects show|retry|discard N`.
    public let number: Int64
    public let kind: Kind
    public let collection: String
    public let id: String
    public let source: String
    public let reason: String
    public let atMillis: Int64
    public let attempts: Int
    /// When it is tried again by itself; nil when only on request (or when
    /// this node's offices change).
    public let retryAtMillis: Int64?
    /// `received`: the peer's state. `sql`: the refused write, as a state
    /// holding that one write (its values, and its counter moves).
    public let kept: RecordState?

    /// The values of a kept `sql` write.
    public var keptValues: [String: FieldValue] {
        Dictionary(uniqueKeysWithValues: (kept?.fields ?? []).compactMap { field in
            field.name.hasPrefix("_") ? nil : field.siblings.first.map { (field.name, $0.value) }
        })
    }

    /// The counter moves of a kept `sql` write.
    public var keptCounterDeltas: [String: Int64] { (kept?.counters ?? [:]).mapValues(\.value) }
}

/// What trying one set-aside write again did.
public struct RetryOutcome: Hashable, Sendable {
    public enum Result: Hashable, Sendable {
        /// It went into the replica; the entry is gone.
        case applied
        /// It waits for the next push; the entry goes when the hub takes it.
        case queued
        /// Refused again, for this reason.
        case refusedAgain(String)
    }

    public let number: Int64
    public let collection: String
    public let id: String
    public let result: Result
}

extension Replica {
    /// Automatic retries of a peer's refusal wait 10 minutes, then twice as
    /// long each time, up to 6 hours: a hub refusal that went away (a newer
    /// hub, a fixed scope) is picked up within hours, and a lasting one costs
    /// a few requests a day. Clock and scope changes retry at once.
    static func retryDelayMillis(attempts: Int) -> Int64 {
        let minutes = min(360, 10 << min(max(attempts - 1, 0), 6))
        return Int64(minutes) * 60_000
    }

    public func rejections() throws -> [StoredRejection] {
        try read { db in try Row.fetchAll(db, sql: "\(Self.selectRejects) ORDER BY n").map(Self.rejection) }
    }

    public func rejection(number: Int64) throws -> StoredRejection? {
        try read { db in try Row.fetchOne(db, sql: "\(Self.selectRejects) WHERE n = ?", arguments: [number]).map(Self.rejection) }
    }

    /// Notes a local record the peer refused, with its reason. A record
    /// refused again keeps its one entry (and its number), tried again later
    /// each time.
    public func noteRefused(_ collection: String, id: String, by peer: String, reason: String) throws {
        let now = Int64(self.now())
        try pool.write { db in try Self.noteRefused(db, collection, id: id, by: peer, reason: reason, now: now) }
    }

    /// The same inside the caller's transaction (an answer bundle notes its
    /// refusals with the states and cursors it brings, all or none).
    static func noteRefused(_ db: Database, _ collection: String, id: String, by peer: String, reason: String, now: Int64) throws {
        let attempts = (try Int.fetchOne(db, sql: "SELECT attempts FROM setu_rejects WHERE kind = 'refused' AND collection = ? AND id = ?",
                                         arguments: [collection, id]) ?? 0) + 1
        let retryAt = now + retryDelayMillis(attempts: attempts)
        if attempts > 1 {
            try db.execute(sql: """
                UPDATE setu_rejects SET source = ?, reason = ?, at_ms = ?, attempts = ?, retry_at_ms = ? WHERE kind = 'refused' AND collection = ? AND id = ?
                """, arguments: [peer, reason, now, attempts, retryAt, collection, id])
        } else {
            try db.execute(sql: """
                INSERT INTO setu_rejects (kind, collection, id, source, reason, at_ms, attempts, retry_at_ms) VALUES ('refused', ?, ?, ?, ?, ?, 1, ?)
                """, arguments: [collection, id, peer, reason, now, retryAt])
        }
    }

    /// Forgets the refusals of records the peer has now taken.
    public func clearRefusals(of records: [ReplicatedRecord]) throws {
        try pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM setu_rejects WHERE kind = 'refused'") ?? 0 > 0 else { return }
            let delete = try db.cachedStatement(sql: "DELETE FROM setu_rejects WHERE kind = 'refused' AND collection = ? AND id = ?")
            for record in records { try delete.execute(arguments: [record.collection, record.id]) }
        }
    }

    /// Tries again every set-aside write that is due (all of them after a
    /// clock correction or a change of offices, see `adoptHubClock` and
    /// `setServedOffices`).
    public func retryDueRejects() throws -> [RetryOutcome] {
        let now = Int64(self.now())
        return try write { tx in
            let due = try Row.fetchAll(tx.db, sql: "\(Self.selectRejects) WHERE retry_at_ms <= ? ORDER BY n", arguments: [now]).map(Self.rejection)
            return try due.map { try tx.retry($0) }
        }
    }

    /// Tries one set-aside write again now (`setuctl rejects retry N`).
    public func retryReject(number: Int64) throws -> RetryOutcome? {
        try write { tx in
            guard let entry = try Row.fetchOne(tx.db, sql: "\(Self.selectRejects) WHERE n = ?", arguments: [number]).map(Self.rejection) else { return nil }
            return try tx.retry(entry)
        }
    }

    /// Gives up a set-aside write (`setuctl rejects discard N`): a peer's
    /// state is dropped here (the peer keeps it); an outside row's values are
    /// forgotten (the row already shows the record as it was); a local write
    /// the peer refused stays in this replica as written but is no longer
    /// offered to the peer, until a later edit of the record sends it again.
    public func discardReject(number: Int64) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM setu_rejects WHERE n = ?", arguments: [number])
            return db.changesCount > 0
        }
    }

    static let selectRejects = "SELECT n, kind, collection, id, source, reason, at_ms, attempts, retry_at_ms, state FROM setu_rejects"

    static func rejection(_ row: Row) throws -> StoredRejection {
        let blob: Data? = row["state"]
        return StoredRejection(
            number: row["n"], kind: StoredRejection.Kind(rawValue: row["kind"]) ?? .refused, collection: row["collection"], id: row["id"],
            source: row["source"], reason: row["reason"], atMillis: row["at_ms"], attempts: row["attempts"], retryAtMillis: row["retry_at_ms"],
            kept: try blob.map { try StateCodec.decode($0) })
    }
}

extension WriteTransaction {
    /// Keeps a peer's state refused here, with the reason, to apply again
    /// later. A record refused again keeps its one entry (and its number),
    /// holding both states merged (merge needs no validation), tried again
    /// later each time.
    mutating func setAsideReceived(_ record: ReplicatedRecord, from peer: NodeID, reason: String) throws {
        let old = try Row.fetchOne(db, sql: "SELECT n, attempts, state FROM setu_rejects WHERE kind = 'received' AND collection = ? AND id = ?",
                                   arguments: [record.collection, record.id])
        var kept = record.state
        if let blob: Data = old?["state"], let earlier = try? StateCodec.decode(blob) { kept = earlier.merged(with: kept, siblingCap: options.schema.siblingCap) }
        let attempts = (old?["attempts"] as Int? ?? 0) + 1
        let now = Int64(nowMillis)
        let retryAt = now + Replica.retryDelayMillis(attempts: attempts)
        if let number: Int64 = old?["n"] {
            try db.execute(sql: "UPDATE setu_rejects SET source = ?, reason = ?, at_ms = ?, attempts = ?, retry_at_ms = ?, state = ? WHERE n = ?",
                           arguments: [peer.rawValue, reason, now, attempts, retryAt, Data(StateCodec.encode(kept)), number])
        } else {
            try db.execute(sql: """
                INSERT INTO setu_rejects (kind, collection, id, source, reason, at_ms, attempts, retry_at_ms, state) VALUES ('received', ?, ?, ?, ?, ?, 1, ?, ?)
                """, arguments: [record.collection, record.id, peer.rawValue, reason, now, retryAt, Data(StateCodec.encode(kept))])
        }
    }

    /// Notes an outside row refused, keeping what it tried to write (nil
    /// when the row could not even be read) so it can be written again.
    func setAsideSQL(_ collection: String, _ id: String, values: [String: FieldValue]?, counterDeltas: [String: Int64] = [:], reason: String) throws {
        var kept: Data?
        if let values {
            var state = RecordState()
            state.write(values, counterDeltas: counterDeltas, dot: Dot(node: node, time: .zero))
            kept = Data(StateCodec.encode(state))
        }
        try db.execute(sql: "INSERT INTO setu_rejects (kind, collection, id, source, reason, at_ms, state) VALUES ('sql', ?, ?, 'sql', ?, ?, ?)",
                       arguments: [collection, id, reason, Int64(nowMillis), kept])
    }

    /// Tries one entry again, inside this transaction.
    mutating func retry(_ entry: StoredRejection) throws -> RetryOutcome {
        func outcome(_ result: RetryOutcome.Result) -> RetryOutcome {
            RetryOutcome(number: entry.number, collection: entry.collection, id: entry.id, result: result)
        }
        func refusedAgain(_ reason: String, retryAt: Int64?) throws -> RetryOutcome {
            try db.execute(sql: "UPDATE setu_rejects SET reason = ?, attempts = attempts + 1, retry_at_ms = ? WHERE n = ?",
                           arguments: [reason, retryAt, entry.number])
            return outcome(.refusedAgain(reason))
        }
        let later = Int64(nowMillis) + Replica.retryDelayMillis(attempts: entry.attempts + 1)
        switch entry.kind {
        case .received:
            guard let state = entry.kept else {
                return try refusedAgain("this entry was made by an older Setu that did not keep the state; re-bootstrap the replica to fetch it, or discard it", retryAt: nil)
            }
            var report = ApplyReport()
            if let reason = try applyOne(ReplicatedRecord(collection: entry.collection, id: entry.id, state: state), from: NodeID(rawValue: entry.source) ?? "hub", report: &report) {
                return try refusedAgain(reason, retryAt: later)
            }
        case .refused:
            guard let spec = options.schema.named(entry.collection), let state = try loadState(spec.name, entry.id) else { break }
            // A new feed position puts it in the next push; the entry stays
            // until the peer takes it (`clearRefusals`).
            try store(spec, entry.id, state, isNew: false)
            try db.execute(sql: "UPDATE setu_rejects SET retry_at_ms = NULL WHERE n = ?", arguments: [entry.number])
            return outcome(.queued)
        case .sql:
            guard entry.kept != nil else {
                return try refusedAgain("the row as written could not be read, so it was not kept; write it again", retryAt: nil)
            }
            do {
                var batch = ReplicaBatch(tx: self)
                defer { self = batch.tx }
                try batch.write(entry.collection, id: entry.id, entry.keptValues, counterDeltas: entry.keptCounterDeltas)
            } catch let error as ValidationError {
                return try refusedAgain(error.description, retryAt: nil)
            } catch let error as ReplicaError {
                return try refusedAgain(error.description, retryAt: nil)
            }
        }
        try db.execute(sql: "DELETE FROM setu_rejects WHERE n = ?", arguments: [entry.number])
        return outcome(.applied)
    }
}
