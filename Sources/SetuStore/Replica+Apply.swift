import SetuCore

extension Replica {
    /// Merges a page of remote states, and stores `cursor` as the pull
    /// position for `peer` in the same transaction, so an interrupted sync
    /// resumes exactly after the last page it applied (DESIGN §7).
    ///
    /// Idempotent: a state already seen changes nothing and takes no new feed
    /// position. A merged state equal to the incoming one is marked known to
    /// `peer` so it is not pushed back. A bad state is set aside with its
    /// reason; the rest of the page still applies.
    ///
    /// `purged` (the peer's purge notices) are applied first: a state they
    /// cover is dropped, so a record made anew after a purge arrives as it
    /// is, and is not merged with a tombstone every other node forgot.
    @discardableResult
    public func apply(_ records: [ReplicatedRecord], purged: [PurgedRecord] = [], from peer: NodeID, cursor: String? = nil) throws -> ApplyReport {
        try write { tx in try tx.applyPage(purged: purged, from: peer, cursor: cursor) { try $0.applyAll(records, from: peer) } }
    }

    /// Works out what applying `records` comes to, without the database:
    /// a caller that receives pages (setud's pull) prepares the next page
    /// while the one before is written.
    public func prepare(_ records: [ReplicatedRecord]) -> PreparedPage {
        let schema = options.schema
        return PreparedPage(records: records, asNew: records.map { RemoteMerge($0, local: nil, schema: schema, numbering: nodeNumbers.committed) }, schema: schema)
    }

    /// `apply`, for a page `prepare` worked out. A page pulled from the
    /// hub, which can be pulled again, commits `.deferred`.
    @discardableResult
    public func apply(_ page: PreparedPage, purged: [PurgedRecord] = [], from peer: NodeID, cursor: String? = nil,
                      durability: CommitDurability = .synced) throws -> ApplyReport {
        try write(durability) { tx in try tx.applyPage(purged: purged, from: peer, cursor: cursor) { try $0.applyAll(page, from: peer) } }
    }
}

extension WriteTransaction {
    /// A page: its purge notices first, then its states (`applyStates`),
    /// then the pull cursor after it, all in this transaction.
    mutating func applyPage(purged: [PurgedRecord], from peer: NodeID, cursor: String?,
                            _ applyStates: (inout WriteTransaction) throws -> ApplyReport) throws -> ApplyReport {
        let forgotten = try forget(purged)
        var report = try applyStates(&self)
        report.forgotten = forgotten
        if let cursor {
            try db.execute(sql: """
                INSERT INTO setu_cursors (peer, pulled) VALUES (?, ?)
                ON CONFLICT(peer) DO UPDATE SET pulled = excluded.pulled
                """, arguments: [peer.rawValue, cursor])
        }
        try acknowledgeHeldPositions(to: peer)
        return report
    }

    /// Moves the push position for `peer` past the positions this
    /// transaction gave, when `peer` had acknowledged everything before
    /// them and holds every state at them (they came from it unchanged).
    /// The push that follows a pull would otherwise find nothing to send
    /// past its position and commit a transaction of its own, an fsync,
    /// only to move it there: one per sync that pulled anything. A state
    /// `peer` lacks at those positions (a merge with a local write, an
    /// outside write stamped in this transaction) leaves the position
    /// where it is, for the push.
    private mutating func acknowledgeHeldPositions(to peer: NodeID) throws {
        guard let last = lastPositionGiven else { return }
        let pushed = try Replica.pushCursor(to: peer, in: db)
        guard pushed == headAtStart, try !Replica.feedHoldsStates(after: pushed, lacking: peer, in: db) else { return }
        try Replica.notePushed(to: peer, upTo: last, in: db)
    }

    /// Applies remote states; each one refused is set aside with its reason
    /// and the rest still apply.
    mutating func applyAll(_ records: some Sequence<ReplicatedRecord>, from peer: NodeID) throws -> ApplyReport {
        try applyAll(records.lazy.map { ($0, nil) }, from: peer)
    }

    /// The same for a page `Replica.prepare` worked out.
    mutating func applyAll(_ page: PreparedPage, from peer: NodeID) throws -> ApplyReport {
        let prepared = page.schema == options.schema
        return try applyAll(zip(page.records, page.asNew).lazy.map { ($0, prepared ? $1 : nil) }, from: peer)
    }

    private mutating func applyAll(_ records: some Sequence<(ReplicatedRecord, RemoteMerge?)>, from peer: NodeID) throws -> ApplyReport {
        var report = ApplyReport()
        let rebootstrapping = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM setu_rebootstrap)") ?? false
        for (record, asNew) in records {
            if let reason = try applyOne(record, from: peer, rebootstrapping: rebootstrapping, asNew: asNew, report: &report) {
                report.rejected.append(Rejection(collection: record.collection, id: record.id, reason: reason))
                try setAsideReceived(record, from: peer, reason: reason)
            }
        }
        return report
    }

    /// Applies one remote state; returns why it was refused, or nil.
    /// While `rebootstrapping`, the peer's state replaces a listed one
    /// (`Replica.beginRebootstrap`) instead of merging into it.
    /// `asNew`: the record's merge into nothing, worked out before
    /// (`Replica.prepare`): taken when the replica holds no state of it or
    /// one the remote state has seen all of (`RemoteMerge.superseding`),
    /// and its refusal (the state's own checks) whatever it holds.
    mutating func applyOne(_ record: ReplicatedRecord, from peer: NodeID, rebootstrapping: Bool = false, asNew: RemoteMerge? = nil,
                           report: inout ApplyReport) throws -> String? {
        if !rebootstrapping, expectsNewRecords, let asNew, try storeIfNew(record, asNew, from: peer, report: &report) { return nil }
        if !rebootstrapping, expectsSuperseding, let asNew, let (held, store) = try heldState(supersededBy: record, asNew) {
            return try write(record, store, seen: held.vector, from: peer, report: &report)
        }
        let replaces = try rebootstrapping && isListedForRebootstrap(record.collection, record.id, peer: peer)
        let local = replaces ? nil : try loadState(record.collection, record.id)
        if !replaces { expectsNewRecords = local == nil }
        let merge: RemoteMerge
        if let asNew, local == nil || asNew.isRefused {
            merge = asNew
        } else if let asNew, let local, let superseding = asNew.superseding(local, remote: record.state) {
            merge = superseding
            expectsSuperseding = true
        } else {
            merge = RemoteMerge(record, local: local, schema: options.schema, numbering: numbering, checksPassed: asNew != nil)
        }
        return try outcome(of: record, merge, replacing: replaces, from: peer, report: &report)
    }

    /// Stores a record's merge into nothing (`asNew`) when the replica holds
    /// no state of it, without looking for one first: the insert finds
    /// out, and a record that is there is left to the merge. A bootstrap
    /// is all new records, and the lookup was a sixth of its writes.
    ///
    /// Returns false, having changed nothing, for anything else: a record
    /// the replica holds, a refused or unchanged state, a required field
    /// left empty, a dot the clock would refuse. The merge then gives the
    /// same answer it always did.
    ///
    /// Tried only while the records met last were new (`expectsNewRecords`):
    /// in a catch-up every record is held, and each would pay for an insert
    /// that finds it before the lookup (a 10k catch-up measured 262-301 ms
    /// before this was tried, 322-359 ms when it was tried for every record).
    private mutating func storeIfNew(_ record: ReplicatedRecord, _ asNew: RemoteMerge, from peer: NodeID,
                                     report: inout ApplyReport) throws -> Bool {
        guard case .merged(nil, let store?) = asNew.outcome, store.missingRequired == nil else { return false }
        var clock = self.clock
        let observed: SkewObservation
        do {
            observed = try clock.observe(Self.newestDot(of: record.state, notIn: nil), nowMillis: nowMillis, policy: options.skewPolicy)
        } catch {
            return false
        }
        let spec = options.schema.named(record.collection)
        guard try insertState(record.collection, record.id, conflicts: store.conflicts, knownTo: store.peerHasIt ? peer : nil,
                              encoded: encodedForStoring(store, spec: spec)) else {
            expectsNewRecords = false
            return false
        }
        self.clock = clock
        report.note(observed)
        if let spec { try project(spec, record.id, row: store.row, isNew: true) }
        report.changed += 1
        return true
    }

    /// A held record's state that `record`'s supersedes, and the store
    /// `asNew` worked out for it: an edit made elsewhere of a record this
    /// replica holds, most of what a catch-up brings. Only what the held
    /// state has seen is read (`loadCausalContext`); its values, which the
    /// edit replaces, are never built, and were most of the cost of
    /// storing such an edit. Nil, having changed nothing, for anything
    /// else, which is then merged as always.
    ///
    /// Tried only while the held records met last were superseded
    /// (`expectsSuperseding`): concurrent edits would each pay for a read
    /// that decides nothing.
    private mutating func heldState(supersededBy record: ReplicatedRecord, _ asNew: RemoteMerge) throws -> (CausalContext, RemoteMerge.Store)? {
        guard case .merged(nil, let store?) = asNew.outcome else { return nil }
        guard let held = try loadCausalContext(record.collection, record.id) else {
            expectsNewRecords = true
            return nil
        }
        expectsNewRecords = false
        guard RemoteMerge.supersedes(record.state, held) else {
            expectsSuperseding = false
            return nil
        }
        return (held, store)
    }

    /// Writes what `merge` worked out, after the clock has seen the state's
    /// dots; returns why the state was refused, or nil.
    private mutating func outcome(of record: ReplicatedRecord, _ merge: RemoteMerge, replacing: Bool, from peer: NodeID,
                                  report: inout ApplyReport) throws -> String? {
        let local: RecordState?, store: RemoteMerge.Store?
        switch merge.outcome {
        case .refused(let reason): return reason
        case .merged(let l, let s): (local, store) = (l, s)
        }
        if replacing { try db.execute(sql: "DELETE FROM setu_rebootstrap WHERE collection = ? AND id = ?", arguments: [record.collection, record.id]) }
        return try write(record, store, seen: local?.vector, from: peer, report: &report)
    }

    /// Stores `store` (nil: the state held is kept) once the clock has seen
    /// the dots of `record`'s state that `seen`, the vector of the state
    /// held (nil: none), lacks; returns why the state was refused, or nil.
    private mutating func write(_ record: ReplicatedRecord, _ store: RemoteMerge.Store?, seen: VersionVector?, from peer: NodeID,
                                report: inout ApplyReport) throws -> String? {
        if let reason = try observeClocks(of: record.state, seen: seen, report: &report) { return reason }
        guard let store else {
            report.unchanged += 1
            return nil
        }
        if let field = store.missingRequired { return "required field \(field) has no value" }
        try self.store(store, record.collection, record.id, spec: options.schema.named(record.collection), isNew: seen == nil, from: peer)
        report.changed += 1
        return nil
    }

    /// Moves the local clock past the new dots of a remote state, refusing
    /// (or clamping at) dots further ahead than the skew bound.
    private mutating func observeClocks(of remote: RecordState, seen: VersionVector?, report: inout ApplyReport) throws -> String? {
        let newest = Self.newestDot(of: remote, notIn: seen)
        guard newest > .zero else { return nil }
        do {
            report.note(try clock.observe(newest, nowMillis: nowMillis, policy: options.skewPolicy))
            return nil
        } catch {
            return error.description
        }
    }

    /// The newest time among the dots of `remote` that `seen` (the local
    /// state's vector) lacks (every dot when there is no local state);
    /// zero when none.
    private static func newestDot(of remote: RecordState, notIn seen: VersionVector?) -> HLCTimestamp {
        let known = seen ?? VersionVector()
        var newest = HLCTimestamp.zero
        for entry in remote.vector.sorted where !known.contains(Dot(node: entry.node, time: entry.time)) {
            newest = max(newest, entry.time)
        }
        return newest
    }
}
