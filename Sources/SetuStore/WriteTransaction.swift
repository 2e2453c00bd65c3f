import Foundation
import GRDB
import SetuCore

/// One engine write transaction: the clock, the next feed position, and the
/// helpers that keep `setu_records` and the plain tables in step.
///
/// Created only inside `Replica.write`, on a connection whose triggers are
/// off, so the engine's own plain-table writes are never mistaken for
/// outside ones.
struct WriteTransaction {
    let db: Database
    let node: NodeID
    let options: ReplicaOptions
    let nowMillis: UInt64
    /// The offices this node serves; nil until the hub has said.
    let served: [String]?
    var clock: HybridClock
    private var nextSeq: Int64
    private let seqAtStart: Int64
    /// Receipts of the outside writes stamped at the start of this transaction.
    var stamped: [WriteReceipt] = []
    /// Set once the outside writes are stamped: no pre-image is left, and
    /// none can come (this transaction holds the write lock), so a state's
    /// left-out values are its row's.
    var rowsAreCurrent = false
    /// Whether the last remote record applied was new to the replica: the
    /// next one most likely is too (a bootstrap), or most likely is not
    /// (a catch-up). See `storeIfNew`.
    var expectsNewRecords = true
    /// Whether the last held record a prepared state met was superseded by
    /// it: the next one most likely is too (an edit made elsewhere). See
    /// `heldState(supersededBy:_:)`.
    var expectsSuperseding = true
    private let clockAtStart: HLCTimestamp
    /// Numbers this transaction gives nodes (`NodeNumbers`), and how its
    /// states name nodes with them.
    let grants = NodeGrants()
    let numbering: NodeNumbering
    /// The statements every stored state runs, looked up once.
    private let statements = HotStatements()

    init(db: Database, replica: Replica) throws {
        self.db = db
        self.node = replica.node
        self.options = replica.options
        self.nowMillis = replica.now()
        self.served = replica.servedOffices
        self.numbering = replica.nodeNumbers.giving(db, grants)
        let last = try Int64.fetchOne(db, sql: "SELECT value FROM setu_meta WHERE key = 'hlc'") ?? 0
        clockAtStart = HLCTimestamp(rawValue: UInt64(bitPattern: last))
        clock = HybridClock(last: clockAtStart, maxSkewMillis: replica.options.maxSkewMillis)
        nextSeq = try Self.lastPosition(db) + 1
        seqAtStart = nextSeq
    }

    /// The last feed position handed out, kept in `setu_meta` (schema v10):
    /// `setu_records` has no index on `seq`, and dropping states (purge
    /// notices, a re-bootstrap) may remove the top rows. A position at or
    /// below the push cursor, handed out again, would mark a new write as
    /// pushed when it never was.
    static func lastPosition(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM setu_meta WHERE key = 'feed_top'")) ?? 0
    }

    /// The feed's head when this transaction began.
    var headAtStart: Int64 { seqAtStart - 1 }

    /// The last feed position this transaction gave, if it gave any.
    var lastPositionGiven: Int64? { nextSeq == seqAtStart ? nil : nextSeq - 1 }

    /// Persists the clock and the feed's head; the caller commits.
    mutating func finish() throws {
        if clock.last != clockAtStart {
            try ReplicaSchema.setMeta(db, "hlc", Int64(bitPattern: clock.last.rawValue))
        }
        if nextSeq != seqAtStart {
            try ReplicaSchema.setMeta(db, "feed_top", nextSeq - 1)
        }
    }

    // MARK: States

    /// A record's state, its values left to the row read back
    /// (`StoredState`); nil when there is none.
    func loadState(_ collection: String, _ id: String) throws -> RecordState? {
        if rowsAreCurrent, let spec = options.schema.named(collection) {
            let table = PlainTable.of(spec)
            var select = BoundStatement(try statements.statement(.selectStateAndRow, collection: table.number, sql: table.selectStateAndRowSQL, in: db), in: db)
            select.bind(collection: collection)
            select.bind(id)
            guard let (blob, row) = try select.firstRowBlobAndTexts(count: table.textFields.count) else { return nil }
            return try StoredState.decode(blob, collection, id, table: table, row: row, numbering: numbering)
        }
        guard let blob = try loadStateBytes(collection, id) else { return nil }
        return try StoredState.decode(blob, collection, id, in: db, schema: options.schema, numbering: numbering)
    }

    /// What the record's state has seen (`CausalContext`), read and checked
    /// against its row as `loadState` does, without building its values;
    /// nil when there is no state.
    func loadCausalContext(_ collection: String, _ id: String) throws -> CausalContext? {
        guard rowsAreCurrent, let spec = options.schema.named(collection) else { return try loadState(collection, id).map(CausalContext.init(of:)) }
        let table = PlainTable.of(spec)
        var select = BoundStatement(try statements.statement(.selectStateAndRow, collection: table.number, sql: table.selectStateAndRowSQL, in: db), in: db)
        select.bind(collection: collection)
        select.bind(id)
        return try select.firstRowBlob { blob, column in
            try StoredState.reading(collection, id) { () throws(StateCodecError) in
                try StateCodec.causalContext(ofStored: blob, numbering: numbering) { name in table.textFields.firstIndex(of: name).flatMap(column) }
            }
        }
    }

    /// A record's stored state as it is stored, nil when there is none.
    func loadStateBytes(_ collection: String, _ id: String) throws -> [UInt8]? {
        var select = BoundStatement(try statements.statement(.selectState, sql: "SELECT state FROM setu_records WHERE collection = ? AND id = ?", in: db), in: db)
        select.bind(collection: collection)
        select.bind(id)
        return try select.firstBlob()
    }

    /// Stores a changed state under the next feed position and shows its
    /// resolved values in the plain table. `isNew` says the record had no
    /// stored state before, so its rows are tried as inserts first.
    mutating func store(_ spec: CollectionSpec, _ id: String, _ state: RecordState, isNew: Bool, knownTo peer: NodeID? = nil) throws {
        try store(spec, id, state, row: state.resolvedRow(in: spec), isNew: isNew, knownTo: peer)
    }

    /// `store`, for a caller that already resolved the state's `row`
    /// (`RecordState.resolvedRow`), so it is resolved once per write.
    mutating func store(_ spec: CollectionSpec, _ id: String, _ state: RecordState, row: [FieldValue]?,
                        isNew: Bool, knownTo peer: NodeID? = nil) throws {
        try storeState(spec.name, id, conflicts: state.openConflictCount(in: spec),
                       isNew: isNew, knownTo: peer, encoded: StoredState.encode(state, row: row, spec: spec, numbering: numbering)[...])
        try project(spec, id, row: row, isNew: isNew)
    }

    /// Stores what `RemoteMerge` worked out for a remote state. A state of a
    /// collection this node does not declare (`spec` nil, a newer
    /// release's) is kept and passed on, shown in no plain table.
    mutating func store(_ merge: RemoteMerge.Store, _ collection: String, _ id: String, spec: CollectionSpec?, isNew: Bool, from peer: NodeID) throws {
        try storeState(collection, id, conflicts: merge.conflicts, isNew: isNew,
                       knownTo: merge.peerHasIt ? peer : nil, encoded: encodedForStoring(merge, spec: spec))
        if let spec { try project(spec, id, row: merge.row, isNew: isNew) }
    }

    /// The bytes to store for `merge`. Prepared off the write thread before
    /// a node it names had a number, their node table is written again now
    /// that it can have one (a node's first states).
    func encodedForStoring(_ merge: RemoteMerge.Store, spec: CollectionSpec?) -> ArraySlice<UInt8> {
        guard spec != nil, StoredState.namesNodes(merge.encoded) else { return merge.encoded }
        return ((try? StateCodec.numberingNodes(merge.encoded, numbering: numbering))
            ?? StoredState.encode(merge.state, row: merge.row, spec: spec, numbering: numbering))[...]
    }

    /// Inserts the `setu_records` row of a record the replica holds no
    /// state of, under the next feed position; false, with nothing
    /// written and no position taken, when it holds one.
    mutating func insertState(_ collection: String, _ id: String, conflicts: Int,
                              knownTo peer: NodeID?, encoded blob: ArraySlice<UInt8>) throws -> Bool {
        var statement = BoundStatement(try statements.statement(.insertState, sql: Self.insertRecordSQL, in: db), in: db)
        bindState(&statement, collection, id, seq: nextSeq, conflicts: conflicts, knownTo: peer, encoded: blob)
        guard try statement.run() == 1 else { return false }
        nextSeq += 1
        return true
    }

    /// The `setu_records` row of a changed state (`encoded`, its stored
    /// bytes), under the next feed position.
    private mutating func storeState(_ collection: String, _ id: String, conflicts: Int,
                                     isNew: Bool, knownTo peer: NodeID?, encoded blob: ArraySlice<UInt8>) throws {
        let seq = nextSeq
        nextSeq += 1
        try write(update: (.updateState, Self.updateRecordSQL), insert: (.insertState, Self.insertRecordSQL), insertFirst: isNew) { statement in
            bindState(&statement, collection, id, seq: seq, conflicts: conflicts, knownTo: peer, encoded: blob)
        }
    }

    /// The values of `updateRecordSQL` and `insertRecordSQL`, in their order.
    private func bindState(_ statement: inout BoundStatement, _ collection: String, _ id: String, seq: Int64, conflicts: Int,
                           knownTo peer: NodeID?, encoded blob: ArraySlice<UInt8>) {
        statement.bind(blob: blob)
        statement.bind(seq)
        statement.bind(Replica.knownTo(peer))
        statement.bind(Int64(conflicts))
        statement.bind(collection: collection)
        statement.bind(id)
    }

    private static let updateRecordSQL =
        "UPDATE setu_records SET state = ?, seq = ?, known_to = ?, conflicts = ? WHERE collection = ? AND id = ?"
    private static let insertRecordSQL =
        "INSERT INTO setu_records (state, seq, known_to, conflicts, collection, id) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"

    /// Makes the plain-table row show `state`: its resolved values, or no row
    /// when it is deleted.
    func project(_ spec: CollectionSpec, _ id: String, _ state: RecordState?) throws {
        try project(spec, id, row: state?.resolvedRow(in: spec))
    }

    /// Shows `row` (values in declaration order) in the plain table, or
    /// removes the record's row when `row` is nil (deleted).
    func project(_ spec: CollectionSpec, _ id: String, row: [FieldValue]?, isNew: Bool = false) throws {
        let table = PlainTable.of(spec)
        guard let row else {
            try db.cachedStatement(sql: table.deleteSQL).execute(arguments: [id])
            return
        }
        try write(update: (.updateRow, table.updateSQL), insert: (.insertRow, table.insertSQL), collection: table.number, insertFirst: isNew) { statement in
            for value in row { statement.bind(value) }
            statement.bind(id)
        }
    }

    /// Writes one row: runs `update`, and `insert` with the same values when
    /// no row matched, or the other way round when the row is most likely
    /// new (the insert does nothing on a conflict). Both statements bind the
    /// same values in the same order, the key last.
    ///
    /// Two plain statements rather than one `INSERT … ON CONFLICT DO UPDATE`:
    /// SQLite runs an upsert inside a statement journal (its DO UPDATE may
    /// abort halfway), and allocating and freeing that journal for every row
    /// cost more than the row's SQL. A failure still undoes the whole
    /// transaction, as `Replica.write` rolls back on any error.
    private func write(update: (HotStatements.Kind, String), insert: (HotStatements.Kind, String), collection: Int64? = 0,
                       insertFirst: Bool, bind: (inout BoundStatement) -> Void) throws {
        let (first, second) = insertFirst ? (insert, update) : (update, insert)
        var statement = BoundStatement(try statements.statement(first.0, collection: collection, sql: first.1, in: db), in: db)
        bind(&statement)
        guard try statement.run() == 0 else { return }
        statement = BoundStatement(try statements.statement(second.0, collection: collection, sql: second.1, in: db), in: db)
        bind(&statement)
        try statement.run()
    }

    // MARK: Local writes

    /// Stamps one local write with a fresh dot and stores it.
    mutating func localWrite(
        _ spec: CollectionSpec, _ id: String, values: [String: FieldValue],
        counterDeltas: [String: Int64] = [:], deleting: Bool = false, onto existing: RecordState?
    ) throws -> WriteReceipt {
        var state = existing ?? RecordState()
        let dot = Dot(node: node, time: clock.tick(nowMillis: max(nowMillis, HLCTimestamp.earliestMillis)))
        state.write(values, counterDeltas: counterDeltas, deleting: deleting, dot: dot, siblingCap: options.schema.siblingCap)
        try checkScope(spec, state)
        for name in counterDeltas.keys.sorted() where state.counters[name]?.isWithinBounds == false {
            throw ValidationError(.invalidValue, collection: spec.name, field: name,
                                  "this change takes the counter's increments or decrements past \(PNCounter.maxTotal); nothing was written")
        }
        try store(spec, id, state, isNew: existing == nil)
        return WriteReceipt(collection: spec.name, id: id, dot: dot, fields: values,
                            counterDeltas: counterDeltas.filter { $0.value != 0 }, deleted: deleting, vectorAfter: state.vector)
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
