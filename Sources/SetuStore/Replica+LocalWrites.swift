import SetuCore

extension Replica {
    /// Creates or replaces a whole record. Absent optional fields become null;
    /// an absent counter keeps its value (a put never resets stock by omission).
    @discardableResult
    public func put(_ collection: String, id: String, _ values: [String: FieldValue]) throws -> WriteReceipt {
        try batch { try $0.put(collection, id: id, values) }
    }

    /// Changes some fields of an existing record. Writing a field supersedes
    /// all its siblings, so patching a conflicted field resolves the conflict.
    @discardableResult
    public func patch(_ collection: String, id: String, _ values: [String: FieldValue]) throws -> WriteReceipt {
        try batch { try $0.patch(collection, id: id, values) }
    }

    /// Deletes a record (a tombstone that replicates like any write).
    @discardableResult
    public func delete(_ collection: String, id: String) throws -> WriteReceipt {
        try batch { try $0.delete(collection, id: id) }
    }

    /// Moves a counter field by `delta` (`stock adjust P +5`): merged as a
    /// PN-counter, so concurrent adjustments at several offices all count.
    @discardableResult
    public func adjust(_ collection: String, id: String, field: String, by delta: Int64) throws -> WriteReceipt {
        try batch { try $0.adjust(collection, id: id, field: field, by: delta) }
    }

    /// Settles a delete-versus-update conflict: keep the record (a write that
    /// supersedes the tombstone) or delete it for good.
    @discardableResult
    public func resolveDeletion(_ collection: String, id: String, keep: Bool) throws -> WriteReceipt {
        keep ? try patch(collection, id: id, [:]) : try delete(collection, id: id)
    }

    /// Several local writes in one transaction: all commit or none do.
    /// Bulk imports use this; a thrown error rolls every write back.
    public func batch<T>(_ body: (inout ReplicaBatch) throws -> T) throws -> T {
        try write { tx in
            var batch = ReplicaBatch(tx: tx)
            defer { tx = batch.tx }
            return try body(&batch)
        }
    }
}

/// Local writes inside one transaction (see `Replica.batch`).
public struct ReplicaBatch {
    var tx: WriteTransaction

    @discardableResult
    public mutating func put(_ collection: String, id: String, _ values: [String: FieldValue]) throws -> WriteReceipt {
        let spec = try tx.options.schema.collection(collection)
        try spec.checkID(id)
        return try put(spec, id: id, try spec.validate(values, mode: .whole), onto: try tx.loadState(spec.name, id))
    }

    /// A whole record already validated, onto the state already loaded
    /// (an import checks both first, and need not do either twice).
    mutating func put(_ spec: CollectionSpec, id: String, _ validated: ValidatedWrite, onto state: RecordState?) throws -> WriteReceipt {
        try Self.checkWorkflow(spec, state: state, values: validated.values)
        return try tx.localWrite(spec, id, values: validated.values, counterDeltas: Self.deltas(to: validated.counters, from: state), onto: state)
    }

    @discardableResult
    public mutating func patch(_ collection: String, id: String, _ values: [String: FieldValue]) throws -> WriteReceipt {
        let spec = try tx.options.schema.collection(collection)
        try spec.checkID(id)
        let validated = try spec.validate(values, mode: .patch)
        let state = try live(spec, id)
        try Self.checkWorkflow(spec, state: state, values: validated.values)
        return try tx.localWrite(spec, id, values: validated.values, counterDeltas: Self.deltas(to: validated.counters, from: state), onto: state)
    }

    @discardableResult
    public mutating func delete(_ collection: String, id: String) throws -> WriteReceipt {
        let spec = try tx.options.schema.collection(collection)
        try spec.checkID(id)
        return try tx.localWrite(spec, id, values: [:], deleting: true, onto: try live(spec, id))
    }

    @discardableResult
    public mutating func adjust(_ collection: String, id: String, field: String, by delta: Int64) throws -> WriteReceipt {
        let spec = try tx.options.schema.collection(collection)
        try spec.checkID(id)
        guard let fieldSpec = spec.field(field) else {
            throw ValidationError(.unknownField, collection: spec.name, field: field, "no such field")
        }
        guard fieldSpec.isCounter else {
            throw ReplicaError(.notACounter, "\(spec.name).\(field) is not a counter; use patch to set it")
        }
        return try tx.localWrite(spec, id, values: [:], counterDeltas: [field: delta], onto: try live(spec, id))
    }

    /// Some fields and counter moves, as kept for a set-aside outside row:
    /// onto the live record, or as a new record when there is none.
    @discardableResult
    mutating func write(_ collection: String, id: String, _ values: [String: FieldValue], counterDeltas: [String: Int64]) throws -> WriteReceipt {
        let spec = try tx.options.schema.collection(collection)
        try spec.checkID(id)
        let state = try tx.loadState(spec.name, id)
        let live = state?.isDeleted == false ? state : nil
        let validated = try spec.validate(values, mode: live == nil ? .whole : .patch)
        try Self.checkWorkflow(spec, state: live, values: validated.values)
        return try tx.localWrite(spec, id, values: validated.values, counterDeltas: counterDeltas, onto: state)
    }

    /// Request status changes follow `RequestWorkflow`.
    static func checkWorkflow(_ spec: CollectionSpec, state: RecordState?, values: [String: FieldValue]) throws {
        guard spec.name == "requests", let state, !state.isDeleted, case .text(let new)? = values["status"],
              case .text(let current) = state.resolvedValue(of: spec.field("status")!) else { return }
        let siblings = state.siblings(of: "status").compactMap { if case .text(let t) = $0.value { t } else { nil } }
        try RequestWorkflow.check(from: current, siblings: siblings, to: new)
    }

    private func live(_ spec: CollectionSpec, _ id: String) throws -> RecordState {
        guard let state = try tx.loadState(spec.name, id), !state.isDeleted else { throw ReplicaError.notFound(spec.name, id) }
        return state
    }

    static func deltas(to targets: [String: Int64], from state: RecordState?) -> [String: Int64] {
        var deltas: [String: Int64] = [:]
        for (name, target) in targets {
            let delta = PNCounter.delta(from: state?.counters[name]?.value ?? 0, to: target)
            if delta != 0 { deltas[name] = delta }
        }
        return deltas
    }
}

extension Replica {
    /// Writes whole records in one transaction, skipping those whose values
    /// already match: re-importing the same file writes nothing, and a
    /// changed file writes only what changed. Any invalid record aborts all.
    public func importRecords(_ collection: String, _ records: [(id: String, values: [String: FieldValue])]) throws -> (written: Int, unchanged: Int) {
        try importRecords(try checkedImport(collection, records))
    }

    /// The checks of `importRecords`, without the database: a caller that
    /// receives pages of records (setud's import) checks the next page
    /// while the one before is written.
    public func checkedImport(_ collection: String, _ records: [(id: String, values: [String: FieldValue])]) throws -> CheckedImport {
        let spec = try self.collection(collection)
        return CheckedImport(spec: spec, records: try records.map { record in
            try spec.checkID(record.id)
            return (record.id, try spec.validate(record.values, mode: .whole))
        })
    }

    /// Writes records `checkedImport` passed, in one transaction.
    public func importRecords(_ checked: CheckedImport) throws -> (written: Int, unchanged: Int) {
        let spec = checked.spec
        return try batch { batch in
            var written = 0
            for (id, validated) in checked.records {
                // Unchanged means every value and every counter already as given.
                let state = try batch.tx.loadState(spec.name, id)
                if let current = state?.resolved(in: spec),
                   validated.values.allSatisfy({ field, value in current[field].map { $0.isIdentical(to: value) } ?? false }),
                   ReplicaBatch.deltas(to: validated.counters, from: state).isEmpty {
                    continue
                }
                try batch.put(spec, id: id, validated, onto: state)
                written += 1
            }
            return (written, checked.records.count - written)
        }
    }
}

/// Records to import, each id and its values checked against the collection.
public struct CheckedImport: Sendable {
    let spec: CollectionSpec
    let records: [(id: String, write: ValidatedWrite)]
}
