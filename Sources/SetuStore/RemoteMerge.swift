import SetuCore

/// What applying one remote state comes to, worked out from the state and
/// the local one alone, without the database: the checks, the merge, the
/// resolved row and the bytes to store. The transaction around it
/// (`WriteTransaction.applyOne`) reads the local state, moves the clock and
/// writes the rows.
struct RemoteMerge: Sendable {
    enum Outcome: Sendable {
        /// Refused before anything else is looked at (the state's own checks).
        case refused(String)
        /// Merged; `Store` says what to write, or nil when the local state
        /// had already seen everything the remote one carries.
        case merged(local: RecordState?, store: Store?)
    }

    /// The rows a changed state is stored as.
    struct Store: Sendable {
        let state: RecordState
        /// The bytes to store for `state` beside `row` (`StoredState`).
        let encoded: ArraySlice<UInt8>
        /// The plain-table row (nil: deleted, or a collection not declared here).
        let row: [FieldValue]?
        let conflicts: Int
        /// Whether the peer's own state had seen everything the local one had.
        let peerHasIt: Bool
        /// A required field the row leaves empty: refused, not stored.
        let missingRequired: String?
    }

    let outcome: Outcome

    /// `local`: the stored local state, nil when there is none (or a
    /// re-bootstrap replaces it). `checksPassed`: the state's own checks
    /// (`refusal(of:schema:)`) were done before and found nothing.
    /// `numbering`: how the stored bytes name nodes (`NodeNumbers`).
    init(_ record: ReplicatedRecord, local: RecordState?, schema: Schema, numbering: NodeNumbering, checksPassed: Bool = false) {
        outcome = (checksPassed ? nil : Self.refusal(of: record, schema: schema)).map(Outcome.refused)
            ?? Self.merge(record, local: local, schema: schema, numbering: numbering)
    }

    private init(outcome: Outcome) { self.outcome = outcome }

    /// This merge into nothing (`Replica.prepare`), stored over `local`
    /// when the remote state has seen everything `local` holds: the merge
    /// of the two is then the remote state itself (`RecordState.merged`),
    /// so its row, conflicts and stored bytes are the ones worked out off
    /// the write thread, which neither merges nor encodes it again. That
    /// is the everyday catch-up: records edited elsewhere after this
    /// office had them. Nil otherwise, and when `local` has seen
    /// everything too (nothing to store).
    func superseding(_ local: RecordState, remote: RecordState) -> RemoteMerge? {
        guard case .merged(nil, let store?) = outcome, Self.supersedes(remote, CausalContext(of: local)) else { return nil }
        return RemoteMerge(outcome: .merged(local: local, store: store))
    }

    /// Whether `remote` has seen everything a held state that has seen
    /// `held` holds, and adds something to it: the condition of
    /// `superseding`, also asked with only what the held state has seen
    /// (`WriteTransaction.loadCausalContext`).
    static func supersedes(_ remote: RecordState, _ held: CausalContext) -> Bool {
        remote.subsumes(held) && !held.subsumes(remote)
    }

    /// Refused by the state's own checks, whatever the replica holds.
    var isRefused: Bool {
        if case .refused = outcome { return true }
        return false
    }

    /// Why a remote state is refused whatever this replica holds, or nil:
    /// a collection or id this node cannot hold, a value not in canonical
    /// form. Pure, so a page's checks can run off the write thread.
    static func refusal(of record: ReplicatedRecord, schema: Schema) -> String? {
        if let refusal = schema.refusal(ofCollection: record.collection) { return refusal }
        guard RecordID.isValid(record.id) else { return "invalid record id" }
        // A collection this node does not declare is a newer release's: kept.
        return record.state.problem(in: schema.named(record.collection))
    }

    /// The merge of a state that passed its checks.
    private static func merge(_ record: ReplicatedRecord, local: RecordState?, schema: Schema, numbering: NodeNumbering) -> Outcome {
        let spec = schema.named(record.collection)
        if let local, local.subsumes(record.state) { return .merged(local: local, store: nil) }
        let cap = schema.siblingCap
        let merged = local.map { $0.merged(with: record.state, siblingCap: cap) } ?? record.state.capped(at: cap)
        // The peer already holds the merged state when its own state had seen
        // everything ours had: then there is nothing to push back.
        let peerHasIt = local.map { record.state.subsumes($0) } ?? true
        // Not declared here: no plain row, and no conflict list until this
        // node is upgraded.
        guard let spec else {
            // A record new here, which the cap leaves as it came (a cap needs
            // more writers than it allows), is stored in the bytes it arrived
            // in when they are in the format this release stores (an older
            // hub sends format 1: those are encoded again, so equal states
            // stay equal bytes).
            let arrived = record.encodedState.flatMap { StateFormat(of: $0) == .current ? $0 : nil }
            let encoded = (local == nil && record.state.isWithinCap(cap) ? arrived : nil) ?? StateCodec.encode(merged)[...]
            return .merged(local: local, store: Store(state: merged, encoded: encoded, row: nil, conflicts: 0,
                                                      peerHasIt: peerHasIt, missingRequired: nil))
        }
        let row = merged.resolvedRow(in: spec)
        let encoded = storedBytes(merged, row: row, spec: spec, arrived: local == nil && record.state.isWithinCap(cap) ? record.encodedState : nil,
                                  numbering: numbering)
        return .merged(local: local, store: Store(state: merged, encoded: encoded, row: row,
                                                  conflicts: merged.openConflictCount(in: spec), peerHasIt: peerHasIt,
                                                  missingRequired: row.flatMap(spec.missingRequiredField(in:))))
    }
}

extension RemoteMerge {
    /// The bytes to store for a merged state beside `row`: rewritten from
    /// the bytes it `arrived` in when they are format 2 and the state is
    /// theirs (a record new here), else encoded (`StoredState`).
    static func storedBytes(_ state: RecordState, row: [FieldValue]?, spec: CollectionSpec, arrived: ArraySlice<UInt8>?,
                            numbering: NodeNumbering) -> ArraySlice<UInt8> {
        guard let arrived, StateFormat(of: arrived) == .v2, let row else { return StoredState.encode(state, row: row, spec: spec, numbering: numbering)[...] }
        var cursor = FieldCursor(spec)
        do {
            let rewritten = try StateCodec.leavingValuesToRow(arrived, numbering: numbering) { name, text in
                text.withUnsafeBufferPointer { StoredState.rowHolds(row, spec, &cursor, name, $0) }
            }
            return rewritten?[...] ?? arrived
        } catch {
            return StoredState.encode(state, row: row, spec: spec, numbering: numbering)[...]
        }
    }
}

/// A page of remote states worked out before its transaction, off the
/// write thread (`Replica.prepare`): each state's own checks, and what
/// storing it comes to when the replica holds no state of it, as for every
/// record of a bootstrap. Applying it then mostly reads the local states
/// and writes: the checks were a third of a bootstrap's write thread.
public struct PreparedPage: Sendable {
    let records: [ReplicatedRecord]
    /// For each record, its merge into nothing (its refusal, if refused).
    let asNew: [RemoteMerge]
    /// The schema they were worked out with: a page prepared under another
    /// is worked out again as it is applied.
    let schema: Schema
}
