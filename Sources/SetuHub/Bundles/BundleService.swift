import Foundation
import Logging
import SetuBundle
import SetuCore
import SetuProtocol

/// Sync by bundle files at the hub: an office's bundle taken in (from
/// `setu-hub bundle import`, or uploaded by any office that carried it),
/// and the answer bundle made for a node.
///
/// A bundle goes through the very rules of a push (`SyncService.push`:
/// scope, forgery, the clock bound, merge) as its maker: the carrier
/// proves nothing, the maker's signature proves everything.
public struct BundleService: Sendable {
    public let sync: SyncService
    public let key: SigningKey

    public init(sync: SyncService, key: SigningKey) {
        self.sync = sync
        self.key = key
    }

    var storage: any HubStorage { sync.storage }

    /// What taking a bundle in did.
    public struct Imported: Sendable {
        public let header: BundleHeader
        public let changed: Int
        public let unchanged: Int
        /// Records refused as a push would refuse them; the answer bundle
        /// carries them back, and the office sets them aside.
        public let refused: [Rejection]

        public var json: JSONValue {
            .object([
                ("node", .string(header.node.rawValue)), ("seq", .int(header.seq)), ("records", .int(Int64(header.records))),
                ("changed", .int(Int64(changed))), ("unchanged", .int(Int64(unchanged))),
                ("refused", .array(refused.map {
                    .object([("collection", .string($0.collection)), ("id", .string($0.id)), ("reason", .string($0.reason))])
                })),
            ])
        }
    }

    /// Verifies and applies an office's bundle. Every refusal (`BundleRefusal`)
    /// applies nothing.
    public func importBundle(_ bytes: [UInt8], carrier: NodeID? = nil, logger: Logger) async throws -> Imported {
        let claimed = try SignedBundle.peek(bytes)
        guard claimed.kind == .office else {
            throw BundleRefusal(.wrongKind, "this is an answer from the hub to \(claimed.node); take it to that office: setuctl bundle import FILE")
        }
        guard claimed.hubKey == key.publicKey else {
            throw BundleRefusal(.wrongHub, "made for the hub whose key is \(claimed.hubKey); this hub's key is \(key.publicKey); "
                + "take it to that hub, or set hub.public_key in the office's setud.toml to this hub's key (setu-hub key) and export again")
        }
        guard let (node, _) = try await storage.credentials(of: claimed.node) else {
            throw BundleRefusal(.unknownSigner, "no node \(claimed.node) is registered at this hub; register it with setu-hub node add")
        }
        guard !node.revoked else {
            throw BundleRefusal(.revoked, "node \(node.id) is revoked; its bundles are refused (setu-hub node reactivate, then node set-key)")
        }
        guard let raw = try await storage.publicKey(of: node.id), let nodeKey = PublicSigningKey(rawBytes: raw) else {
            throw BundleRefusal(.unknownSigner, "the hub has no signing key for node \(node.id): run setud --print-public-key on its PC, then "
                + "setu-hub node set-key \(node.id) --public-key KEY (or let it sync over the network once)")
        }
        let bundle = try SignedBundle.open(bytes, signedBy: nodeKey)
        let ledger = try await storage.bundleLedger(of: node.id)
        guard bundle.header.seq > ledger.importedSeq else { throw Self.replayed(bundle.header, last: ledger.importedSeq) }
        let (changed, refused) = try await apply(bundle.payload, from: node, logger: logger)
        guard try await storage.recordImportedBundle(of: node.id, seq: bundle.header.seq, held: bundle.header.held,
                                                     through: bundle.header.through, rejections: refused) else {
            throw Self.replayed(bundle.header, last: bundle.header.seq)
        }
        logger.notice("bundle taken in", metadata: [
            "setu.node": "\(node.id)", "setu.seq": "\(bundle.header.seq)", "setu.records": "\(bundle.header.records)",
            "setu.changed": "\(changed)", "setu.refused": "\(refused.count)", "setu.carrier": "\(carrier?.rawValue ?? "hub operator")"])
        return Imported(header: bundle.header, changed: changed, unchanged: bundle.header.records - changed - refused.count, refused: refused)
    }

    static func replayed(_ header: BundleHeader, last: Int64) -> BundleRefusal {
        BundleRefusal(.replayed, "\(header.summary) was taken in already (the hub has node \(header.node)'s bundles up to \(last)); "
            + "nothing was applied; export a new one at the office if changes are missing")
    }

    /// Pushes the records as their maker, in batches of the push limit. A
    /// batch the sync rules refuse for named records is sent again without
    /// them, as setud does with a refused push page.
    private func apply(_ payload: BundlePayload, from node: HubNode, logger: Logger) async throws -> (Int, [Rejection]) {
        var changed = 0
        var refused: [Rejection] = []
        var start = 0
        while start < payload.entries.count {
            var batch = payload.records(start..<min(payload.entries.count, start + sync.limits.maxPushRecords))
            start += batch.count
            while !batch.isEmpty {
                do {
                    changed += try await sync.push(PushRequest(records: batch), from: node, logger: logger).changed
                    break
                } catch let error as HubError where !error.body.records.isEmpty {
                    let named = Set(error.body.records.map { "\($0.collection)/\($0.id)" })
                    refused += error.body.records
                    batch.removeAll { named.contains("\($0.collection)/\($0.id)") }
                }
            }
        }
        return (changed, refused)
    }

    /// The answer for `id`: the hub's changes in the node's scope after
    /// what its last bundle said it held (everything, before any bundle: an
    /// office can bootstrap from a stick), the refusals of that bundle, and
    /// how far the hub took in its feed. Signed by the hub.
    public func answer(for id: NodeID) async throws -> (header: BundleHeader, bytes: [UInt8]) {
        guard let (node, _) = try await storage.credentials(of: id) else {
            throw HubError(404, "unknown_node", "no node \(id) is registered at this hub (setu-hub node list)")
        }
        guard !node.revoked else { throw HubError(403, "node_revoked", "node \(id) is revoked; no answer is made for it") }
        let ledger = try await storage.bundleLedger(of: id)
        if FeedCursor(seq: ledger.held, through: 0).predates(try await storage.feedHead(offices: node.offices).purgedThrough) { throw Self.purgedSinceLastBundle(id) }
        var entries: [BundlePayload.Entry] = []
        var cursor = ledger.held
        while true {
            let rows = try await storage.feed(offices: node.offices, after: cursor, limit: 1_000)
            for row in rows {
                cursor = row.seq
                if row.origin == id { continue }
                // Bundles carry states only: an office that missed a purge
                // notice would keep a tombstone the others forgot.
                guard !row.isPurgeNotice, row.forget == nil else { throw Self.purgedSinceLastBundle(id) }
                entries.append(try BundlePayload.Entry(collection: row.key.collection, id: row.key.id, storedState: row.encodedState))
            }
            if rows.count < 1_000 { break }
        }
        let seq = try await storage.nextAnswerSeq(of: id)
        let header = BundleHeader(kind: .hub, node: id, hubKey: key.publicKey, seq: seq, createdMillis: sync.now(), records: entries.count,
                                  held: ledger.held, through: ledger.through, cursor: cursor)
        return (header, try SignedBundle.seal(header, BundlePayload(entries: entries, rejections: ledger.rejections), key: key))
    }

    static func purgedSinceLastBundle(_ id: NodeID) -> HubError {
        HubError(409, "purged_since_last_bundle", "the hub purged deletions in \(id)'s offices after what its last bundle held, "
            + "and bundles cannot carry purge notices yet; let \(id) sync over the network once (it re-bootstraps by itself if it must), "
            + "then bundles work again")
    }

    /// Learns a node's key from its network sync (trust on first use: the
    /// token already proved the node). Returns false when the hub holds
    /// another key for it, which the office then shows in its status.
    public func learnKey(_ header: String?, of node: HubNode) async throws -> Bool {
        guard let header else { return true }
        guard let key = PublicSigningKey(header) else {
            throw HubError.badRequest("bad_node_key", "\(SyncHeader.nodeKey) must be \(PublicSigningKey.formatHint)")
        }
        // Every sync sends the key: read it, and write only when none is held
        // (a write per sync would cost the hub an fsync per idle poll).
        if let held = try await storage.publicKey(of: node.id) { return held == key.rawBytes }
        return try await storage.setPublicKey(key.rawBytes, of: node.id, replace: false) == key.rawBytes
    }
}
