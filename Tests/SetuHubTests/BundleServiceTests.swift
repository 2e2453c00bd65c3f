import Foundation
import Logging
import SetuBundle
import SetuCore
import SetuHub
import SetuProtocol
import SetuStore
import SetuSync
import Testing

/// The hub's side of bundles on both backends: a bundle goes through the
/// push rules as its maker (refused records left out and carried back in
/// the answer, where the office sets them aside), the ledger and answer
/// numbers, keys learnt on first use and cleared by a revoke.
@Suite struct BundleServiceTests {
    static let logger = Logger(label: "bundle-service-test")

    static func service(_ id: String, office: String, by node: NodeID, at millis: UInt64) -> ReplicatedRecord {
        var state = RecordState()
        state.write(["office": .text(office), "section": .text("citizen"), "serial": .int(1), "name": .text("সেবা \(id)")],
                    dot: Dot(node: node, time: HLCTimestamp(physicalMillis: millis)))
        return ReplicatedRecord(collection: "services", id: id, state: state)
    }

    @Test(arguments: Backend.allCases)
    func aBundleFollowsThePushRulesAndItsRefusalsComeBackInTheAnswer(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let bundles = BundleService(sync: hub.service, key: SigningKey())
            let node: NodeID = "rupsha-uz"
            _ = try await hub.addNode(node, offices: ["upazila:rupsha"])
            let key = SigningKey()
            #expect(try await hub.storage.setPublicKey(key.publicKey.rawBytes, of: node, replace: true) == key.publicKey.rawBytes)
            let now = hub.clock.now
            let records = [
                Self.service("ok-1", office: "upazila:rupsha", by: node, at: now),
                Self.service("elsewhere", office: "upazila:dacope", by: node, at: now),
                Self.service("forged", office: "upazila:rupsha", by: "dacope-uz", at: now),
                Self.service("ok-2", office: "upazila:rupsha", by: node, at: now + 1),
            ]
            let header = BundleHeader(kind: .office, node: node, hubKey: bundles.key.publicKey, seq: 1, createdMillis: now,
                                      records: records.count, held: 0, through: 9)
            let bytes = try SignedBundle.seal(header, BundlePayload(records: records), key: key)
            let imported = try await bundles.importBundle(bytes, logger: Self.logger)
            #expect(imported.changed == 2)
            #expect(Set(imported.refused.map(\.id)) == ["elsewhere", "forged"])
            #expect(imported.refused.first { $0.id == "forged" }?.reason.contains("forged") == true)
            await #expect(throws: BundleRefusal.self) { try await bundles.importBundle(bytes, logger: Self.logger) }

            let ledger = try await hub.storage.bundleLedger(of: node)
            #expect(ledger.importedSeq == 1)
            #expect(ledger.through == 9)
            #expect(ledger.rejections.count == 2)

            // The answer: the refusals, and how far the hub took the office in.
            let first = try await bundles.answer(for: node)
            let second = try await bundles.answer(for: node)
            #expect(second.header.seq == first.header.seq + 1, "answer numbers grow")
            let answer = try SignedBundle.open(first.bytes, signedBy: bundles.key.publicKey)
            #expect(answer.header.through == 9)
            #expect(Set(answer.payload.rejections.map(\.id)) == ["elsewhere", "forged"])
            #expect(answer.payload.records.isEmpty, "the office's own accepted records are not sent back")

            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-bundle-service-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let office = try Replica(path: dir.appendingPathComponent("office.sqlite").path, node: node)
            try office.applyAnswer(answer.payload.records, rejections: answer.payload.rejections, from: SyncEngine.hub, seq: answer.header.seq,
                                   held: answer.header.held, cursor: answer.header.cursor ?? 0, through: answer.header.through)
            #expect(Set(try office.rejections().map(\.id)) == ["elsewhere", "forged"], "set aside at the office, as a refused push is")
            #expect(try office.pushCursor(to: SyncEngine.hub) == 9)
        }
    }

    @Test(arguments: Backend.allCases)
    func aKeyIsLearntOnFirstUseKeptOnRotationAndClearedByARevoke(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let bundles = BundleService(sync: hub.service, key: SigningKey())
            let node: NodeID = "kamarkhola-udc"
            _ = try await hub.addNode(node, offices: ["union:kamarkhola"])
            let stored = HubNode(id: node, offices: ["union:kamarkhola"], createdAtMillis: 0, revoked: false)
            let first = SigningKey().publicKey, other = SigningKey().publicKey
            #expect(try await bundles.learnKey(first.description, of: stored))
            #expect(try await bundles.learnKey(first.description, of: stored))
            #expect(try await !bundles.learnKey(other.description, of: stored), "another key later is not taken")
            #expect(try await hub.storage.publicKey(of: node) == first.rawBytes)
            await #expect(throws: HubError.self) { try await bundles.learnKey("ed25519:not-a-key", of: stored) }
            #expect(try await hub.storage.updateNode(node, AccountChange(tokenHash: NodeToken.generate(for: node).1)))
            #expect(try await hub.storage.publicKey(of: node) == first.rawBytes, "a new token keeps the key")
            #expect(try await hub.storage.updateNode(node, AccountChange(revoked: true)))
            #expect(try await hub.storage.publicKey(of: node) == nil, "a revoke clears it")
            #expect(try await bundles.learnKey(other.description, of: stored), "enrolled anew after reactivation")
        }
    }
}
