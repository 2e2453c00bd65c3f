import Foundation
import SetuBundle
import SetuCore
import SetuProtocol
import SetuStore
import SetuSync
import SetuTransport

/// Bundles at the office: this node's own (export, and the hub's answer
/// taken in) and others' carried to and from the hub over this node's link.
/// The control API's bundle routes are thin over it.
public struct BundleDesk: Sendable {
    public let loop: SyncLoop
    public let key: SigningKey

    public init(loop: SyncLoop, key: SigningKey) {
        self.loop = loop
        self.key = key
    }

    var replica: Replica { loop.replica }

    /// The hub's key: set in setud.toml, else learnt at a network sync.
    func hubKey() async throws -> PublicSigningKey {
        let text = try await loop.currentSettings.hubPublicKey ?? replica.hubSigningKey()
        guard let text, let key = PublicSigningKey(text) else {
            throw ControlError(409, "no_hub_key", "this office does not know the hub's signing key yet: sync over the network once, "
                + "or set hub.public_key in setud.toml to what setu-hub key prints at the hub, then reload setud")
        }
        return key
    }

    /// Every local change the hub has not acknowledged, signed by this node.
    public func export() async throws -> (header: BundleHeader, bytes: [UInt8]) {
        let hub = try await hubKey()
        let replica = self.replica
        let content = try await SyncEngine.onTheWriteThread { try replica.prepareBundle(for: SyncEngine.hub) }
        let header = BundleHeader(kind: .office, node: replica.node, hubKey: hub, seq: content.seq, createdMillis: replica.now(),
                                  records: content.states.count, held: content.held, through: content.through)
        var entries: [BundlePayload.Entry] = []
        for state in content.states { entries.append(try BundlePayload.Entry(collection: state.collection, id: state.id, storedState: state.state)) }
        return (header, try SignedBundle.seal(header, BundlePayload(entries: entries), key: key))
    }

    /// Verifies an answer from the hub (made for this node, signed with the
    /// hub's key, newer than the last one) and takes it in.
    public func importAnswer(_ bytes: [UInt8]) async throws -> JSONValue {
        let claimed = try SignedBundle.peek(bytes)
        guard claimed.kind == .hub else {
            throw BundleRefusal(.wrongKind, "this is \(claimed.summary): take it to the hub (setu-hub bundle import FILE), "
                + "or to an office with a link (setuctl bundle forward FILE)")
        }
        guard claimed.node == replica.node else {
            throw BundleRefusal(.wrongNode, "this answer is for node \(claimed.node); this is node \(replica.node); take it to \(claimed.node)")
        }
        let hub = try await hubKey()
        guard claimed.hubKey == hub else {
            throw BundleRefusal(.wrongHub, "signed by the hub whose key is \(claimed.hubKey); this office's hub has key \(hub); "
                + "nothing was applied; fetch the answer from this office's own hub")
        }
        let bundle = try SignedBundle.open(bytes, signedBy: hub)
        let header = bundle.header
        let report: ApplyReport
        do {
            let replica = self.replica
            report = try await SyncEngine.onTheWriteThread {
                try replica.applyAnswer(bundle.payload.lazyRecords, rejections: bundle.payload.rejections, from: SyncEngine.hub, seq: header.seq,
                                        held: header.held, cursor: header.cursor ?? header.held, through: header.through)
            }
        } catch let replay as AnswerReplayed {
            throw BundleRefusal(.replayed, "\(header.summary) is not newer than the last answer taken in here (\(replay.last)); nothing was applied")
        }
        return .object([
            ("node", .string(header.node.rawValue)), ("seq", .int(header.seq)), ("records", .int(Int64(header.records))),
            ("changed", .int(Int64(report.changed))), ("unchanged", .int(Int64(report.unchanged))),
            ("set_aside", .array((report.rejected + bundle.payload.rejections).map(rejectionJSON))),
        ])
    }

    /// Uploads another office's bundle to the hub over this node's link.
    public func forward(_ bytes: [UInt8]) async throws -> JSONValue {
        let claimed = try SignedBundle.peek(bytes)
        guard claimed.kind == .office else {
            throw BundleRefusal(.wrongKind, "this is \(claimed.summary): import it at \(claimed.node) with setuctl bundle import FILE")
        }
        return try await Self.atHub { try await loop.hubClient.uploadBundle(bytes).value }
    }

    /// Fetches the hub's answer for another office, to carry there.
    public func fetch(for node: NodeID) async throws -> [UInt8] {
        try await Self.atHub { try await loop.hubClient.fetchAnswer(for: node.rawValue).value }
    }

    /// A hub refusal keeps its code and message (exit 5); no link is 502 (exit 4).
    static func atHub<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as HubRefusal {
            throw ControlError(refusal.status == 409 ? 409 : 422, refusal.body.code, "the hub refused it: \(refusal.body.message)")
        } catch let error as TransportError {
            throw ControlError(502, "hub_unreachable", "cannot reach the hub (\(error)); carry the bundle to an office with a link, or to the hub")
        }
    }
}
