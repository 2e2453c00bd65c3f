import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import NIOCore
import PropertyBased
import SetuBundle
import SetuCore
import SetuHub
import SetuProtocol
import SetuStore
import SetuSync
import SetuTestSupport
import SetuTransport
import Testing

/// Three offices and a hub exchange by network syncs (the real `SyncEngine`
/// through the hub's real router) and by bundles, in a random order: sticks
/// carried late, twice, out of order or lost, answers taken in after a
/// network sync moved further. Afterwards, once everyone syncs, every
/// replica dumps the same bytes and lists the same conflicts, and no write
/// is lost.
@Suite struct BundleConvergenceTests {
    static let cases = ProcessInfo.processInfo.environment["SETU_PROPERTY_CASES"].flatMap(Int.init).map { min($0, 100) } ?? 100

    @Test(.shrinking(false)) func bundlesAndNetworkSyncsInAnyOrderConverge() async throws {
        let counter = CaseCounter()
        await propertyCheck(count: Self.cases, input: Gen.uint64().array(of: 10...60)) { (program: [UInt64]) async throws in
            counter.increment()
            try await HubHarness.with(.sqlite) { harness in
                try await Application(router: harness.router).test(.router) { client in
                    let world = try await BundleWorld(harness: harness, client: client)
                    for word in program { try await world.step(word) }
                    try await world.settle()
                    try world.checkConverged()
                }
            }
        }
        #expect(counter.value == Self.cases)
    }
}

/// The hub's router as an office's transport, in process.
struct RouterTransport: HubTransport {
    let client: any TestClientProtocol

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        var headers = HTTPFields()
        for (name, value) in request.headers { headers[HTTPField.Name(name)!] = value }
        let response = try await client.execute(uri: request.path, method: HTTPRequest.Method(request.method)!, headers: headers,
                                                body: request.body.map { ByteBuffer(bytes: $0) })
        var fields: [String: String] = [:]
        for field in response.headers { fields[field.name.canonicalName] = field.value }
        return TransportResponse(status: response.status.code, headers: fields, body: Array(response.body.readableBytesView))
    }
}

final class BundleWorld: @unchecked Sendable {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-bundleworld-\(UUID().uuidString)")
    let harness: HubHarness
    let bundles: BundleService
    var replicas: [Replica] = []
    var engines: [SyncEngine] = []
    var keys: [SigningKey] = []
    /// Bundle files on their way: (to the hub: nil, or to office i; bytes).
    var sticks: [(to: Int?, bytes: [UInt8])] = []
    var receipts: [WriteReceipt] = []
    /// Warnings only: hundreds of generated cases would bury a failure
    /// under notices in CI's log.
    let logger: Logger = {
        var logger = Logger(label: "bundle-world")
        logger.logLevel = .warning
        return logger
    }()

    init(harness: HubHarness, client: any TestClientProtocol) async throws {
        self.harness = harness
        bundles = BundleService(sync: harness.service, key: SigningKey())
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for i in 0..<3 {
            let node = NodeID(rawValue: "n\(i)")!
            let path = dir.appendingPathComponent("n\(i).sqlite").path
            try ReplicaTemplate.write(to: path, node: node, schema: .current)
            let replica = try Replica(path: path, node: node)
            let token = try await harness.addNode(node, offices: ["upazila:rupsha"])
            let key = SigningKey()
            _ = try await harness.storage.setPublicKey(key.publicKey.rawBytes, of: node, replace: true)
            try replica.setHubSigningKey(bundles.key.publicKey.description)
            replicas.append(replica)
            keys.append(key)
            engines.append(SyncEngine(replica: replica, client: HubClient(transport: RouterTransport(client: client), token: token), logger: logger))
        }
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    func step(_ word: UInt64) async throws {
        let i = Int((word >> 4) % 3)
        let replica = replicas[i]
        let id = ["s0", "s1", "s2"][Int((word >> 8) % 3)]
        let value = ["ক", "খ", "গ", "ঘ"][Int((word >> 12) % 4)]
        let live = try replica.record("services", id: id)?.values != nil
        switch word % 8 {
        case 0:
            receipts.append(try replica.put("services", id: id, ["office": .text("upazila:rupsha"), "section": .text("citizen"),
                                                                  "serial": .int(Int64((word >> 16) % 5 + 1)), "name": .text(value)]))
        case 1 where live:
            receipts.append(try (word >> 16) % 4 == 0 ? replica.delete("services", id: id) : replica.patch("services", id: id, ["name": .text(value)]))
        case 2:
            _ = try await engines[i].syncOnce()
        case 3:
            sticks.append((nil, try export(i)))
        case 4:
            sticks.append((i, try await bundles.answer(for: replica.node).bytes))
        default:
            // Carry a stick; it may stay in the pocket and be carried again.
            guard !sticks.isEmpty else { return }
            let n = Int((word >> 20) % UInt64(sticks.count))
            let stick = sticks[n]
            if (word >> 28) % 3 != 0 { sticks.remove(at: n) }
            try await deliver(stick)
        }
    }

    func export(_ i: Int) throws -> [UInt8] {
        let content = try replicas[i].prepareBundle(for: SyncEngine.hub)
        let header = BundleHeader(kind: .office, node: replicas[i].node, hubKey: bundles.key.publicKey, seq: content.seq, createdMillis: replicas[i].now(),
                                  records: content.states.count, held: content.held, through: content.through)
        return try SignedBundle.seal(header, BundlePayload(entries: content.states.map { BundlePayload.Entry(collection: $0.collection, id: $0.id, state: $0.state) }), key: keys[i])
    }

    /// A replayed bundle or answer is refused and changes nothing; any other
    /// refusal fails the test.
    func deliver(_ stick: (to: Int?, bytes: [UInt8])) async throws {
        guard let to = stick.to else {
            do { _ = try await bundles.importBundle(stick.bytes, logger: logger) } catch let refusal as BundleRefusal where refusal.reason == .replayed {}
            return
        }
        let bundle = try SignedBundle.open(stick.bytes, signedBy: bundles.key.publicKey)
        let h = bundle.header
        do {
            try replicas[to].applyAnswer(bundle.payload.lazyRecords, rejections: bundle.payload.rejections, from: SyncEngine.hub, seq: h.seq,
                                         held: h.held, cursor: h.cursor ?? h.held, through: h.through)
        } catch is AnswerReplayed {}
    }

    /// Every office syncs over the network until nothing moves.
    func settle() async throws {
        for _ in 0..<3 {
            for engine in engines { _ = try await engine.syncOnce() }
        }
    }

    func checkConverged() throws {
        let dumps = try replicas.map { try $0.canonicalDump() }
        #expect(Set(dumps).count == 1, "replicas differ after settling")
        let conflicts = try replicas.map { try $0.conflicts() }
        #expect(conflicts.allSatisfy { $0 == conflicts[0] })
        // No write lost: every write's dot is known to every replica.
        for receipt in receipts {
            for replica in replicas {
                let state = try replica.record("services", id: receipt.id)?.state
                #expect(state?.vector.contains(receipt.dot) == true, "\(receipt.id) \(receipt.dot) lost at \(replica.node)")
            }
        }
        for replica in replicas {
            #expect(try replica.pendingPushCount(to: SyncEngine.hub) == 0)
        }
    }
}
