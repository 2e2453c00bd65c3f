import Foundation
import GRDB
import SetuCore

/// One engine write transaction: the clock, the next feed position, and the
/// helpers that keep `setu_records` and the plain tables in step.
///
/// Created only inside `Replica.write`, with the capture switch paused, so
/// the engine's own plain-table writes are never mistaken for outside ones.
struct WriteTransaction {
    let db: Database
    let node: NodeID
    let options: ReplicaOptions
    let nowMillis: UInt64
    var clock: HybridClock
    private var nextSeq: Int64
    /// Receipts of the outside writes stamped at the start of this transaction.
    var stamped: [WriteReceipt] = []
    private let clockAtStart: HLCTimestamp

    init(db: Database, replica: Replica) throws {
        self.db = db
        self.node = replica.node
        self.options = replica.options
        self.nowMillis = replica.options.now()
        let last = try Int64.fetchOne(db, sql: "SELECT value FROM setu_meta WHERE key = 'hlc'") ?? 0
        clockAtStart = HLCTimestamp(rawValue: UInt64(bitPattern: last))
        clock = HybridClock(last: clockAtStart, maxSkewMillis: replica.options.maxSkewMillis)
        nextSeq = (try Int64.fetchOne(db, sql: "SELECT max(seq) FROM setu_records") ?? 0) + 1
        try db.execute(sql: "UPDATE setu_capture SET paused = 1")
    }

    /// Persists the clock and resumes capture; the caller commits.
    mutating func finish() throws {
        if clock.last != clockAtStart {
            try db.execute(sql: "INSERT INTO setu_meta (key, value) VALUES ('hlc', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [Int64(bitPattern: clock.last.rawValue)])
        }
        try db.execute(sql: "UPDATE setu_capture SET paused = 0")
    }

    // MARK: States

    func loadState(_ collection: String, _ id: String) throws -> RecordState? {
        let stmt = try db.cachedStatement(sql: "SELECT state FROM setu_records WHERE collection = ? AND id = ?")
        guard let blob = try Data.fetchOne(stmt, arguments: [collection, id]) else { return nil }
        do {
            return try StateCodec.decode(blob)
        } catch {
            throw ReplicaError(.damaged, "\(collection)/\(id): stored state unreadable (\(error)); restore the replica from a backup or re-bootstrap from the hub")
        }
    }

    /// Stores a changed state under the next feed position and shows its
    /// resolved values in the plain table.
    mutating func store(_ spec: CollectionSpec, _ id: String, _ state: RecordState, knownTo peer: NodeID? = nil) throws {
        let seq = nextSeq
        nextSeq += 1
        let office: String
        if case .text(let o) = state.resolvedValue(of: spec.field("office")!) { office = o } else { office = "" }
        let conflicts = state.openConflictCount(in: spec)
        var upsert = BoundStatement(try db.cachedStatement(sql: """
            INSERT INTO setu_records (collection, id, office, state, seq, known_to, conflicts) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(collection, id) DO UPDATE SET office = excluded.office, state = excluded.state,
              seq = excluded.seq, known_to = excluded.known_to, conflicts = excluded.conflicts
            """), in: db)
        upsert.bind(spec.name)
        upsert.bind(id)
        upsert.bind(office)
        upsert.bind(blob: StateCodec.encode(state))
        upsert.bind(seq)
        upsert.bind(peer?.rawValue)
        upsert.bind(Int64(conflicts))
        try upsert.run()
        try project(spec, id, state)
    }

    /// Makes the plain-table row show `state`: its resolved values, or no row
    /// when it is deleted.
    func project(_ spec: CollectionSpec, _ id: String, _ state: RecordState?) throws {
        let table = PlainTable(spec: spec)
        guard let state, !state.isEmpty, !state.isDeleted else {
            try db.cachedStatement(sql: table.deleteSQL).execute(arguments: [id])
            return
        }
        var upsert = BoundStatement(try db.cachedStatement(sql: table.upsertSQL), in: db)
        upsert.bind(id)
        for field in spec.fields { upsert.bind(state.resolvedValue(of: field)) }
        try upsert.run()
    }

    // MARK: Local writes

    /// Stamps one local write with a fresh dot and stores it.
    mutating func localWrite(
        _ spec: CollectionSpec, _ id: String, values: [String: FieldValue],
        counterDeltas: [String: Int64] = [:], deleting: Bool = false, onto existing: RecordState?
    ) throws -> WriteReceipt {
        var state = existing ?? RecordState()
        let dot = Dot(node: node, time: clock.tick(nowMillis: nowMillis))
        state.write(values, counterDeltas: counterDeltas, deleting: deleting, dot: dot)
        try store(spec, id, state)
        return WriteReceipt(collection: spec.name, id: id, dot: dot, fields: values,
                            counterDeltas: counterDeltas.filter { $0.value != 0 }, deleted: deleting, vectorAfter: state.vector)
    }

    /// Records a write set aside with its reason, for operators to see.
    func reject(_ collection: String, _ id: String, source: String, reason: String) throws {
        try db.execute(sql: "INSERT INTO setu_rejects (collection, id, source, reason, at_ms) VALUES (?, ?, ?, ?, ?)",
                       arguments: [collection, id, source, reason, Int64(nowMillis)])
    }
}

extension FieldValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .bool(let b): (b ? 1 : 0).databaseValue
        case .int(let i): i.databaseValue
        case .text(let t): t.databaseValue
        }
    }
}
