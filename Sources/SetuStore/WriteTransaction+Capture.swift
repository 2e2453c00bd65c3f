import GRDB
import SetuCore

extension WriteTransaction {
    /// Turns rows other SQLite clients changed into stamped local writes.
    ///
    /// Each noted row is diffed against its record's resolved state: changed
    /// fields become one write with one dot; a counter moves by the difference
    /// (so `stock = stock - 1` is a decrement of 1, however many updates
    /// preceded the stamp); a missing row deletes. A row that fails validation
    /// is set aside in `setu_rejects` and the plain row is put back as the
    /// state shows it. The notes are cleared in the same transaction, so each
    /// outside write is stamped exactly once.
    mutating func stampOutsideWrites() throws -> [WriteReceipt] {
        let noted = try Row.fetchAll(db, sql: "SELECT DISTINCT collection, id FROM setu_dirty")
        guard !noted.isEmpty else { return [] }
        var receipts: [WriteReceipt] = []
        for row in noted {
            let collection: String = row["collection"]
            let id: String = row["id"]
            guard let spec = options.schema.named(collection) else { continue }
            if let receipt = try stampRow(spec, id) { receipts.append(receipt) }
        }
        try db.execute(sql: "DELETE FROM setu_dirty")
        // Stamped: each state now leaves its values to its row as it is, so
        // the pre-images go, in the same transaction as the notes.
        for spec in options.schema.collections where try db.tableExists(PlainTable.of(spec).preimageTable) {
            try db.execute(sql: "DELETE FROM \"\(PlainTable.of(spec).preimageTable)\"")
        }
        return receipts
    }

    private mutating func stampRow(_ spec: CollectionSpec, _ id: String) throws -> WriteReceipt? {
        let (state, unseen) = try loadStateForStamp(spec, id)
        guard unseen.isEmpty else { return try stampUnseenRow(spec, id, state: state!, unseen: unseen) }
        var refused: [ValidationError] = []
        let current = state?.resolved(in: spec)
        guard let raw = try Row.fetchOne(db.cachedStatement(sql: PlainTable.of(spec).selectRawSQL), arguments: [id]) else {
            guard current != nil else { return nil }
            return try localWrite(spec, id, values: [:], deleting: true, onto: state)
        }
        let validated: ValidatedWrite
        var row: [String: FieldValue]?
        do {
            try spec.checkID(id)
            row = try decodeRow(raw, spec)
            (validated, refused) = try Self.validateByField(row!, spec: spec, state: state, current: current, served: served)
        } catch let error as ValidationError {
            let attempt = row.map { Self.attempted($0, spec: spec, state: state, current: current) }
            try setAsideSQL(spec.name, id, values: attempt?.values, counterDeltas: attempt?.deltas ?? [:], reason: error.description)
            try project(spec, id, state)
            return nil
        }
        for error in refused {
            let field = error.field!
            try setAsideSQL(spec.name, id, values: [field: row![field] ?? .null], reason: error.description)
        }
        var changed = validated.values
        if let current { changed = changed.filter { current[$0.key] != $0.value } }
        let deltas = Self.counterMoves(spec, to: validated, from: state)
        guard current == nil || !changed.isEmpty || !deltas.isEmpty else {
            // Nothing changed in substance (say, text re-saved in another
            // Unicode form): put the canonical row back.
            try project(spec, id, state)
            return nil
        }
        do {
            return try localWrite(spec, id, values: changed, counterDeltas: deltas, onto: state)
        } catch let error as ValidationError {
            try setAsideSQL(spec.name, id, values: changed, counterDeltas: deltas, reason: error.description)
            try project(spec, id, state)
            return nil
        }
    }

    /// A record's state to diff its row against, and the fields whose
    /// values are lost: the state left them to a row that was changed while
    /// the capture triggers were missing (dropped by another tool), so
    /// neither the row nor a pre-image holds them any more.
    private func loadStateForStamp(_ spec: CollectionSpec, _ id: String) throws -> (RecordState?, unseen: Set<String>) {
        do {
            return (try loadState(spec.name, id), [])
        } catch let error as ReplicaError where error.code == .rowChangedUnseen {
            let (state, inRow) = try StateCodec.decodeWithoutRow(try loadStateBytes(spec.name, id)!, numbering: numbering)
            return (state, Set(inRow))
        }
    }

    /// Takes a row changed without Setu seeing it as one edit of every field
    /// whose value the state left to the row: those values are lost here
    /// (other replicas still hold them), so each gets the row's value under
    /// a new dot, superseding the lost one everywhere. The other fields are
    /// diffed as for any outside write. A row that is gone deletes the
    /// record. A row Setu refuses cannot be put back (its earlier values are
    /// lost): the error stops this replica's writes and names the record, so
    /// the operator corrects the row and nothing is guessed.
    private mutating func stampUnseenRow(_ spec: CollectionSpec, _ id: String, state: RecordState, unseen: Set<String>) throws -> WriteReceipt? {
        guard let raw = try Row.fetchOne(db.cachedStatement(sql: PlainTable.of(spec).selectRawSQL), arguments: [id]) else {
            return try localWrite(spec, id, values: [:], deleting: true, onto: state)
        }
        do {
            try spec.checkID(id)
            let row = try decodeRow(raw, spec)
            let current = state.resolved(in: spec)
            let changes = row.filter { name, value in
                unseen.contains(name) || spec.field(name)?.isCounter == true || current?[name] != value
            }
            let validated = try spec.validate(changes, mode: .patch)
            try ReplicaBatch.checkWorkflow(spec, state: state, values: validated.values)
            var values = validated.values
            for name in unseen where values[name] == nil { values[name] = row[name] ?? .null }
            return try localWrite(spec, id, values: values, counterDeltas: Self.counterMoves(spec, to: validated, from: state), onto: state)
        } catch let error as ValidationError {
            throw ReplicaError(.rowChangedUnseen, "\(spec.name)/\(id) was changed while Setu's capture triggers were missing, and Setu refuses "
                + "the row as it is now (\(error)); its earlier values are not kept here, so correct the row with any SQLite client "
                + "(or `setuctl put`), and this replica writes again")
        }
    }

    /// The moves that take `state`'s counters to the counts a validated row
    /// shows: a counter moves by exactly the difference.
    static func counterMoves(_ spec: CollectionSpec, to validated: ValidatedWrite, from state: RecordState?) -> [String: Int64] {
        var deltas: [String: Int64] = [:]
        for field in spec.counterFields {
            let target = validated.counters[field.name] ?? 0
            let now = state?.counters[field.name]?.value ?? 0
            if target != now { deltas[field.name] = PNCounter.delta(from: now, to: target) }
        }
        return deltas
    }

    /// What an outside row tried to write: the fields it changed, and its
    /// counters as moves from the record's counts (so a sale kept while
    /// set aside is still one sale when written later).
    static func attempted(_ row: [String: FieldValue], spec: CollectionSpec, state: RecordState?,
                          current: [String: FieldValue]?) -> (values: [String: FieldValue], deltas: [String: Int64]) {
        var values: [String: FieldValue] = [:]
        var deltas: [String: Int64] = [:]
        for field in spec.fields {
            guard let value = row[field.name] else { continue }
            if field.isCounter {
                if case .int(let target) = value {
                    let delta = PNCounter.delta(from: state?.counters[field.name]?.value ?? 0, to: target)
                    if delta != 0 { deltas[field.name] = delta }
                }
            } else if current?[field.name] != value {
                values[field.name] = value
            }
        }
        return (values, deltas)
    }

    /// Validates an outside row field by field: a field that fails (a
    /// backward status, a bad phone) is set aside alone and keeps the value
    /// its record shows, and the other fields of the write go through. Only
    /// a new row, or a failure no single field explains, refuses the row.
    ///
    /// Of a record already shown, only the fields the row changes are
    /// validated: the others were checked when they came, and a peer's
    /// value may pass this release's limits (a newer one widened them), which
    /// must not stop office software editing another field.
    static func validateByField(
        _ row: [String: FieldValue], spec: CollectionSpec, state: RecordState?, current: [String: FieldValue]?, served: [String]? = nil
    ) throws -> (ValidatedWrite, refused: [ValidationError]) {
        var row = row
        if let current {
            for field in spec.valueFields where row[field.name] == (current[field.name] ?? .null) { row[field.name] = nil }
        }
        var refused: [ValidationError] = []
        while true {
            do {
                let validated = try spec.validate(row, mode: current == nil ? .whole : .patch)
                try ReplicaBatch.checkWorkflow(spec, state: state, values: validated.values)
                if case .text(let office)? = validated.values["office"] { try checkScope(spec, office: office, served: served) }
                return (validated, refused)
            } catch let error as ValidationError {
                guard let current, let field = error.field, let kept = current[field] ?? .some(.null), row[field] != kept else { throw error }
                refused.append(error)
                row[field] = spec.field(field)?.isCounter == true ? kept : nil
            }
        }
    }

    /// Reads a plain row (text columns arrive as bytes) into field values.
    private func decodeRow(_ raw: Row, _ spec: CollectionSpec) throws(ValidationError) -> [String: FieldValue] {
        var values: [String: FieldValue] = [:]
        for (index, field) in spec.fields.enumerated() {
            let dbValue: DatabaseValue = raw[index + 1]
            switch dbValue.storage {
            case .null: values[field.name] = .null
            case .int64(let i): values[field.name] = .int(i)
            case .blob(let data): values[field.name] = try spec.text(fromUTF8: data, field: field.name)
            case .string(let s): values[field.name] = .text(s)
            case .double:
                throw ValidationError(.wrongType, collection: spec.name, field: field.name, "expected \(field.type.sqliteType.lowercased()), got a real number")
            }
        }
        return values
    }
}

extension Replica {
    /// Stamps the writes other SQLite clients made to the plain tables since
    /// the last engine transaction. Every engine write does this first; the
    /// daemon also calls it on a short timer so such writes go out promptly.
    @discardableResult
    public func stampOutsideWrites() throws -> [WriteReceipt] {
        try write { tx in tx.stamped }
    }
}
