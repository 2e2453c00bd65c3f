import CompressNIO
import Foundation
import GRDB
import Logging
import NIOCore
import SetuBundle
import SetuCore
import SetuHub
import SetuStore
import SetuSync

/// Issue 15's figures: a bundle of N local changes (N/10, then N) made at an
/// office, taken in at a hub, answered, and the answer taken in by a fresh
/// office. Beside them, in the same run: gzip of the same rows as plain
/// tab-separated text (bytes), and a raw SQLite insert of the same rows
/// (time), because absolute times drift on this machine.
struct BundleBenchmark {
    let records: Int

    func run() async throws {
        for n in [records / 10, records] { try await bench(n) }
    }

    func bench(_ n: Int) async throws {
        let dir = MachineInfo.scratchDirectory()
        defer { MachineInfo.removeScratch(dir) }
        let office = try Replica(path: "\(dir)/office.sqlite", node: "office-a")
        for start in stride(from: 0, to: n, by: 1_000) {
            _ = try office.importRecords("services", (start..<min(n, start + 1_000)).map { (id: "s\($0)", values: StoreBenchmark.service($0)) })
        }
        let storage = try SQLiteHubStorage(path: "\(dir)/hub.sqlite")
        try await storage.migrate()
        let sync = SyncService(storage: storage, limits: SyncLimits(), metrics: HubMetrics(), now: ReplicaClock.now)
        let bundles = BundleService(sync: sync, key: SigningKey())
        let officeKey = SigningKey()
        for id in ["office-a", "office-b"] {
            let node = HubNode(id: NodeID(rawValue: id)!, offices: ["upazila:rupsha"], createdAtMillis: 0, revoked: false)
            try await storage.addNode(node, tokenHash: NodeToken.generate(for: node.id).1)
        }
        _ = try await storage.setPublicKey(officeKey.publicKey.rawBytes, of: "office-a", replace: true)

        var bundle: [UInt8] = []
        let exporting = try measure {
            let content = try office.prepareBundle(for: SyncEngine.hub)
            let header = BundleHeader(kind: .office, node: "office-a", hubKey: bundles.key.publicKey, seq: content.seq, createdMillis: office.now(),
                                      records: content.states.count, held: content.held, through: content.through)
            bundle = try SignedBundle.seal(header, BundlePayload(entries: content.states.map { BundlePayload.Entry(collection: $0.collection, id: $0.id, state: $0.state) }), key: officeKey)
        }
        let gzipped = try Self.gzippedRows(office)
        let importing = try await timed { _ = try await bundles.importBundle(bundle, logger: Logger(label: "bench")) }
        var answer: [UInt8] = []
        let answering = try await timed { answer = try await bundles.answer(for: "office-b").bytes }
        let fresh = try Replica(path: "\(dir)/fresh.sqlite", node: "office-b")
        let opened = try SignedBundle.open(answer, signedBy: bundles.key.publicKey)
        let applying = try measure {
            let h = opened.header
            try fresh.applyAnswer(opened.payload.lazyRecords, rejections: [], from: SyncEngine.hub, seq: h.seq, held: h.held, cursor: h.cursor ?? 0, through: h.through)
        }
        let raw = try RawInsertBaseline(path: "\(dir)/raw.sqlite", durable: true)
        let rawSeconds = try raw.insert(stride(from: 0, to: n, by: 500).map { opened.payload.records($0..<min(n, $0 + 500)) })

        print("bundles, \(n) changes of services (Bengali text):")
        print(String(format: "  office bundle: %d bytes, %.0f bytes per record; gzip of the same rows as plain text: %d bytes, %.0f per record (%.2fx)",
                     bundle.count, Double(bundle.count) / Double(n), gzipped, Double(gzipped) / Double(n), Double(bundle.count) / Double(gzipped)))
        print(String(format: "  export at the office %.2f s (%.0f records/s); import at the hub %.2f s (%.0f records/s)",
                     exporting, Double(n) / exporting, importing, Double(n) / importing))
        print(String(format: "  answer made at the hub %.2f s, %d bytes; taken in by a fresh office %.2f s (%.0f records/s); raw SQLite insert of the same rows %.2f s (%.2fx)",
                     answering, answer.count, applying, Double(n) / applying, rawSeconds, rawSeconds / applying))
    }

    /// The office's plain rows as tab-separated text, gzipped (level 6).
    static func gzippedRows(_ replica: Replica) throws -> Int {
        let pool = try DatabasePool(path: replica.path)
        var text: [UInt8] = []
        try pool.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT * FROM services")
            while let row = try rows.next() {
                text += Array(row.databaseValues.map { $0.isNull ? "" : "\($0.storage.value.map { "\($0)" } ?? "")" }.joined(separator: "\t").utf8)
                text.append(10)
            }
        }
        var buffer = ByteBuffer(bytes: text)
        return try buffer.compress(with: .gzip, configuration: ZlibConfiguration(compressionLevel: .defaultCompressionLevel)).readableBytes
    }
}
