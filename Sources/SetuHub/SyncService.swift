import Logging
import SetuCore
import SetuProtocol

/// The hub's sync rules, above either storage backend: who may push and pull
/// what, which pushed states are refused, and how they merge.
public struct SyncService: Sendable {
    public let storage: any HubStorage
    public let limits: SyncLimits
    /// The collections this hub knows. States carrying fields or
    /// collections it does not know (a newer release's offices) are checked
    /// by the rules every release shares, stored and passed on as they are.
    public let schema: Schema
    let now: @Sendable () -> UInt64
    let metrics: HubMetrics
    /// What the hub sees of each node, for the fleet view; run it as a
    /// service (or call `flush()`) to have it written.
    public let recorder: FleetRecorder

    public init(storage: any HubStorage, limits: SyncLimits, metrics: HubMetrics, logger: Logger = Logger(label: "setu-hub"),
                schema: Schema = .current, now: @escaping @Sendable () -> UInt64) {
        self.storage = storage
        self.limits = limits
        self.schema = schema
        self.metrics = metrics
        self.now = now
        self.recorder = FleetRecorder(storage: storage, logger: logger)
    }

    /// The node a bearer token belongs to, or 401.
    ///
    /// Every refusal is logged with the node id the token names and why,
    /// never the secret, so an operator can see an office whose token was
    /// rotated or mistyped (`setu.node`, `setu.reason`).
    public func authenticate(authorization: String?, logger: Logger) async throws -> HubNode {
        func refuse(_ reason: String, node: NodeID? = nil) -> HubError {
            logger.warning("refused token", metadata: ["setu.node": "\(node.map(\.rawValue) ?? "?")", "setu.reason": "\(reason)"])
            return HubError.unauthorized
        }
        guard let header = authorization else { throw refuse("no Authorization header") }
        guard header.hasPrefix("Bearer "), let (id, secret) = NodeToken.parse(String(header.dropFirst(7))) else {
            throw refuse("malformed token (expected Bearer <node id>.<64 hex digits>)")
        }
        guard !HubNode.isReservedID(id) else { throw refuse("node id kept for integrations", node: id) }
        guard let (node, stored) = try await storage.credentials(of: id) else { throw refuse("no such node", node: id) }
        guard NodeToken.constantTimeEqual(stored, NodeToken.hash(secret: secret)) else {
            throw refuse("wrong secret (an old token after rotate-token, or a mistyped one)", node: id)
        }
        guard !node.revoked else { throw refuse("node revoked", node: id) }
        return node
    }

    // MARK: Push

    /// Merges a batch. All or nothing: any record out of scope, forged,
    /// invalid or past the clock bound refuses the whole batch, naming every
    /// record at fault, so the office can set those aside and resend the rest.
    /// `cursor`: the pusher's pull cursor (`SyncHeader.cursor`), if it sent one.
    public func push(_ request: PushRequest, from node: HubNode, cursor: String? = nil, logger: Logger) async throws -> PushResponse {
        let seen = Int64(now())
        do {
            let result = try await merge(request, from: node, cursor: try cursor.map { try FeedCursor(parsing: $0) }, logger: logger)
            recorder.note(.push(node.id, at: seen))
            return result
        } catch {
            recorder.note(.seen(node.id, at: seen))
            throw error
        }
    }

    private func merge(_ request: PushRequest, from node: HubNode, cursor: FeedCursor?, logger: Logger) async throws -> PushResponse {
        try checkBatchSize(request.records.count)
        try check(request.records, from: node)
        let records = request.records
        let keys = records.map { RecordKey(collection: $0.collection, id: $0.id) }
        let outcome = Outcome()
        // Read before the push: purged vectors only grow, so a purge
        // committed meanwhile can make this check stricter, never looser.
        let purged = try await storage.purgedVectors(offices: node.offices)
        let positions = try await storage.push(keys: keys, headIn: cursor == nil ? nil : node.offices) { stored in
            try SyncService.decide(records, keys: keys, stored: stored, purged: purged, from: node, schema: schema, outcome: outcome)
        }
        let moved = Self.cursorAfterPush(from: cursor, positions, allOwn: outcome.allOwn)
        let result = PushResponse(changed: outcome.changed, unchanged: records.count - outcome.changed, cursor: moved?.text)
        metrics.recordsIn.increment(by: result.changed)
        metrics.conflicts.increment(by: outcome.conflicts)
        logger.debug("push merged", metadata: ["setu.node": "\(node.id)", "setu.changed": "\(result.changed)", "setu.unchanged": "\(result.unchanged)"])
        return result
    }

    /// Where the pusher's pull cursor may move after its push: past the
    /// positions the push took, when nothing else in its offices lay past
    /// its cursor before them (read under the feed lock) and it holds every
    /// state written (it is their origin). Its next pull is then an idle
    /// 204, not a page that only skips its own states. Nil otherwise: the
    /// pull then goes as before, and skips them.
    static func cursorAfterPush(from cursor: FeedCursor?, _ positions: HubPushPositions, allOwn: Bool) -> FeedCursor? {
        guard let cursor, let head = positions.headBefore, let last = positions.lastSeq, allOwn,
              head.seq <= cursor.seq, !cursor.predates(head.purgedThrough) else { return nil }
        return FeedCursor(seq: last, through: max(cursor.through, head.purgedThrough))
    }

    /// A batch over `max_push_records` is 413, whatever else is wrong with it.
    public func checkBatchSize(_ count: Int) throws {
        guard count <= limits.maxPushRecords else {
            throw HubError(413, "batch_too_large", "\(count) records in one batch; the limit is \(limits.maxPushRecords); send smaller batches (setud.toml sync.page_records)")
        }
    }

    /// Checks that need no stored state.
    private func check(_ records: [ReplicatedRecord], from node: HubNode) throws {
        var problems: [Rejection] = []
        var status = 422
        var seen = Set<RecordKey>()
        let limit = now() &+ limits.maxSkewMillis
        for record in records {
            func refuse(_ reason: String, _ code: Int = 422) {
                problems.append(.init(collection: record.collection, id: record.id, reason: reason))
                if code == 403 { status = 403 }
            }
            // A collection this hub does not declare is a newer release's.
            let spec = schema.named(record.collection)
            if let refusal = schema.refusal(ofCollection: record.collection) { refuse(refusal); continue }
            guard RecordID.isValid(record.id) else { refuse("invalid record id"); continue }
            guard seen.insert(RecordKey(collection: record.collection, id: record.id)).inserted else { refuse("appears twice in the batch"); continue }
            if let problem = record.state.problem(in: spec) { refuse(problem); continue }
            if let spec, let field = record.state.missingRequiredField(in: spec) { refuse("required field \(field) has no value"); continue }
            guard let office = record.state.resolvedOffice, node.canWrite(office) else {
                refuse("office is outside this node's offices (\(node.offices.joined(separator: ", ")))", 403); continue
            }
            if let own = record.state.vector[node.id], own.physicalMillis > limit {
                refuse("written at a time more than \(limits.maxSkewMillis / 1000) s ahead of the hub's clock; fix this node's clock", 403)
            }
        }
        guard problems.isEmpty else {
            throw HubError(status, status == 403 ? "forbidden_records" : "invalid_records",
                           SyncService.refusal(problems, of: records.count), records: problems)
        }
    }

    /// What the last `decide` wrote, read back after the transaction.
    final class Outcome: @unchecked Sendable {
        var changed = 0
        var conflicts = 0
        /// Whether the pusher holds every state written (their origin).
        var allOwn = true
    }

    /// Checks against stored state, then merges: pure, run by the backend
    /// inside its transaction.
    ///
    /// `purged` holds, per office, the vectors of tombstones purged there. A
    /// dot within them is one the hub saw and forgot: a node that was away
    /// past the horizon pushes such dots in the old state it kept (its
    /// unsent changes are pushed, not lost), and they are not forged.
    static func decide(
        _ records: [ReplicatedRecord], keys: [RecordKey], stored: [RecordKey: HubStoredState], purged: [String: VersionVector] = [:],
        from node: HubNode, schema: Schema, outcome: Outcome
    ) throws -> [HubWrite] {
        var problems: [Rejection] = []
        for (record, key) in zip(records, keys) {
            if let current = stored[key], !node.canWrite(current.office) {
                problems.append(.init(collection: key.collection, id: key.id, reason: "the record belongs to \(current.office), outside this node's offices"))
                continue
            }
            // Offices receive other nodes' writes only from the hub, so a dot
            // of another node the hub has not seen for this record is forged.
            let known = stored[key]?.state
            let vector = known?.vector ?? VersionVector()
            let forgotten = (stored[key]?.office ?? record.state.resolvedOffice).flatMap { purged[$0] } ?? VersionVector()
            func forgot(_ author: NodeID) -> Bool { record.state.vector[author].map { forgotten.contains(Dot(node: author, time: $0)) } ?? false }
            if let author = record.state.vector.sorted.first(where: {
                $0.node != node.id && !vector.contains(Dot(node: $0.node, time: $0.time)) && !forgot($0.node)
            })?.node {
                problems.append(.init(collection: key.collection, id: key.id, reason: "carries a write by \(author) the hub has never seen (forged authorship)"))
                continue
            }
            // The same holds for counter entries: a node's count of sales or
            // restocks reaches others only through the hub. Counts by an
            // author whose every write here was purged cannot be checked.
            for name in record.state.counters.keys.sorted() {
                guard let author = record.state.counters[name]!.entriesAhead(of: known?.counters[name], except: node.id)
                    .first(where: { !(known == nil && forgot($0)) }) else { continue }
                problems.append(.init(collection: key.collection, id: key.id,
                                      reason: "carries a \(name) count by \(author) ahead of what the hub holds (forged counter)"))
                break
            }
        }
        guard problems.isEmpty else {
            throw HubError(403, "forbidden_records", SyncService.refusal(problems, of: records.count), records: problems)
        }
        var writes: [HubWrite] = []
        var conflicts = 0
        for (record, key) in zip(records, keys) {
            let current = stored[key]?.state
            if let current, current.subsumes(record.state) { continue }
            let merged = current.map { $0.merged(with: record.state, siblingCap: schema.siblingCap) } ?? record.state.capped(at: schema.siblingCap)
            guard let office = merged.resolvedOffice else { continue }
            let origin = current.map { record.state.subsumes($0) } ?? true
            writes.append(HubWrite(key: key, office: office, state: merged, origin: origin ? node.id : nil))
            if !origin { outcome.allOwn = false }
            if let spec = schema.named(key.collection), !merged.conflicts(collection: spec, id: key.id).isEmpty { conflicts += 1 }
        }
        outcome.changed = writes.count
        outcome.conflicts = conflicts
        return writes
    }

    /// "2 of 500 records refused (first: services/s1: unknown field colour); …"
    static func refusal(_ problems: [Rejection], of total: Int) -> String {
        let first = problems[0]
        return "\(problems.count) of \(total) records refused (first: \(first.collection)/\(first.id): \(first.reason)); "
            + "nothing of this batch was applied; set the listed records aside and resend the rest"
    }

    // MARK: Pull

    /// A page of changes for `node` after `cursor`, as its JSON body; nil
    /// when there is nothing new (the cheap answer to an idle poll).
    /// `report` is the node's `Setu-Report` header, kept for the fleet view.
    /// `appliesPurges`: the node sent `Setu-Purge`, so it gets purge
    /// notices, and its cursor counts as what it holds when tombstones are
    /// purged. `resyncing`: the node re-bootstraps (`Setu-Resync`), so its
    /// own states are sent too.
    public func servePull(for node: HubNode, cursor: String?, limit: String?, maxBytes: String?, report: String? = nil,
                          appliesPurges: Bool = false, resyncing: Bool = false, format: PullPageFormat = .json) async throws -> PullPage? {
        let after = try FeedCursor(parsing: cursor)
        let count = try Self.parseBound(limit, name: "limit", default: limits.defaultPullRecords, range: 1...limits.maxPullRecords)
        let bytes = try Self.parseBound(maxBytes, name: "max_bytes", default: limits.defaultPullBytes, range: 1_024...limits.maxPullBytes)
        let parsed = try parseReport(report, from: node.id)
        let seen = Int64(now())
        let page: PullPage?
        do {
            page = try await self.page(for: node, after: after, count: count, bytes: bytes, appliesPurges: appliesPurges, resyncing: resyncing,
                                       format: format)
        } catch {
            recorder.note(.seen(node.id, at: seen))
            throw error
        }
        let sent = page?.position.seq ?? after.seq
        // The cursor it came with is what it holds; so is the answer's, when
        // the answer carries nothing to apply (it skipped only the node's own
        // states), so a node's own deletion does not wait two polls.
        let holds = page.map { $0.isEmpty } ?? true ? sent : after.seq
        recorder.note(.pull(node.id, at: seen, cursor: sent, acknowledged: appliesPurges ? holds : nil, report: parsed))
        return page
    }

    /// `servePull`, decoded: for callers in this process (tools, tests).
    public func pull(for node: HubNode, cursor: String?, limit: String?, maxBytes: String?, report: String? = nil,
                     appliesPurges: Bool = false, resyncing: Bool = false, format: PullPageFormat = .json) async throws -> PullResponse? {
        try await servePull(for: node, cursor: cursor, limit: limit, maxBytes: maxBytes, report: report,
                            appliesPurges: appliesPurges, resyncing: resyncing, format: format)
            .map { try PullPageFormat.decode($0.body, contentType: $0.format.contentType) }
    }

    func parseReport(_ header: String?, from node: NodeID) throws -> NodeReport? {
        guard let header else { return nil }
        do {
            return try recorder.report(header, from: node)
        } catch {
            throw HubError.badRequest("bad_report", "\(error.description); the header is written by setud, so this setud is broken or not a Setu node")
        }
    }

    private func page(for node: HubNode, after: FeedCursor, count: Int, bytes: Int, appliesPurges: Bool, resyncing: Bool,
                      format: PullPageFormat) async throws -> PullPage? {
        let scope = node.offices
        let head = try await storage.feedHead(offices: scope)
        if after.predates(head.purgedThrough) { throw HubError.resyncRequired(node: node.id) }
        guard head.seq > after.seq else { return nil }
        let rows = try await storage.feed(offices: scope, after: after.seq, limit: count)
        var writer = PullPageWriter(format: format)
        var last = after.seq
        var stoppedEarly = false
        for row in rows {
            if row.origin == node.id, !resyncing { last = row.seq; continue }
            // What a node that does not apply notices gets instead: nothing
            // of a purged record (its offices purge nothing while it is
            // within the horizon, and past it the node is told to re-bootstrap).
            let notice = appliesPurges ? row.forget.map { PurgedRecord(collection: row.key.collection, id: row.key.id, vector: $0) } : nil
            let length = try writer.prepare(collection: row.key.collection, id: row.key.id,
                                            state: row.isPurgeNotice ? nil : row.encodedState, purged: notice)
            if !writer.isEmpty, writer.byteCount + length > bytes { stoppedEarly = true; break }
            writer.commit()
            last = row.seq
        }
        metrics.recordsOut.increment(by: writer.recordCount)
        let cursor = FeedCursor(seq: last, through: head.purgedThrough)
        // A full page that ends exactly at the head read above says no more:
        // a sync ending on a page boundary is not made to ask once more for
        // nothing. (Ending past that head, the page met newer rows: more.)
        let more = stoppedEarly || (rows.count == count && last != head.seq)
        return PullPage(body: writer.body(cursor: cursor.text, more: more), format: format, records: writer.recordCount,
                        purged: writer.purgedCount, more: more, position: cursor)
    }

    static func parseCursor(_ text: String?) throws -> Int64 {
        guard let text, !text.isEmpty else { return 0 }
        guard text.utf8.count <= 18, let n = Int64(text), n >= 0, String(n) == text else {
            throw HubError.badRequest("bad_cursor", "cursor must be the value a previous pull returned (a decimal number of at most 18 digits)")
        }
        return n
    }

    static func parseBound(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw HubError.badRequest("bad_\(name)", "\(name) must be a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return n
    }
}
