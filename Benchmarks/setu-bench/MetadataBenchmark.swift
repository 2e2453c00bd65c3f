import Foundation
import GRDB
import Logging
import SetuCore
import SetuHub
import SetuProtocol
import SetuStore

/// Issue 14's measure of metadata: per collection, an office writes
/// records, edits each three times and deletes 5 %; a fresh office takes
/// everything in from the feed, and a SQLite hub takes the pushes. Each
/// file, vacuumed, is set against the same live rows in a plain SQLite
/// table of the same declaration (the baseline, built in the same run).
struct MetadataBenchmark {
    /// Records per collection.
    let records: Int

    func run() async throws {
        let dir = MachineInfo.scratchDirectory()
        defer { MachineInfo.removeScratch(dir) }
        print("metadata: per collection \(records) records written, each edited 3 times, 5 % deleted; files vacuumed")
        for collection in ["services", "requests", "products"] {
            try await measure(collection, in: "\(dir)/\(collection)")
        }
    }

    func measure(_ collection: String, in dir: String) async throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let office = try Replica(path: "\(dir)/office.sqlite", node: "rupsha-01")
        try churn(collection, on: office)
        let fresh = try Replica(path: "\(dir)/fresh.sqlite", node: "rupsha-02")
        var after: Int64 = 0
        while true {
            let page = try office.feed(after: after, limit: 1_000)
            guard !page.entries.isEmpty else { break }
            try fresh.apply(page.entries.map(\.record), from: "hub")
            after = page.lastSeq
        }
        let hubBytes = try await hubSize(of: office, at: "\(dir)/hub.sqlite")
        let live = try liveCount(collection, in: fresh)
        let plain = try plainBaseline(collection, from: "\(dir)/fresh.sqlite", to: "\(dir)/plain.sqlite")
        let replicaBytes = try vacuumedSize("\(dir)/fresh.sqlite", closing: fresh)
        let states = try averageStateBytes(collection, "\(dir)/fresh.sqlite")
        func perRecord(_ bytes: Int) -> String { String(format: "%d B/record", bytes / max(live, 1)) }
        print("  \(collection): \(live) live of \(records); plain rows \(perRecord(plain)); "
            + "fresh replica \(perRecord(replicaBytes)) = " + String(format: "%.2fx", Double(replicaBytes) / Double(plain))
            + " (goal ≤ 1.5x); hub \(perRecord(hubBytes)) = " + String(format: "%.2fx", Double(hubBytes) / Double(plain))
            + " (goal ≤ 2x); state blob \(states)")
    }

    /// Writes, edits three times, deletes one in twenty.
    func churn(_ collection: String, on replica: Replica) throws {
        for start in stride(from: 0, to: records, by: 1_000) {
            let range = start..<min(start + 1_000, records)
            try replica.batch { batch in
                for i in range { try batch.put(collection, id: "\(collection)-\(i)", Self.record(collection, i)) }
            }
            for edit in 0..<3 {
                try replica.batch { batch in
                    for i in range { try batch.patch(collection, id: "\(collection)-\(i)", Self.edit(collection, i, edit)) }
                }
            }
            try replica.batch { batch in
                for i in range where i % 20 == 0 { try batch.delete(collection, id: "\(collection)-\(i)") }
            }
        }
    }

    static func record(_ collection: String, _ i: Int) -> [String: FieldValue] {
        switch collection {
        case "services": return StoreBenchmark.service(i)
        case "requests":
            return ["office": .text("upazila:rupsha"), "service_id": .text("service-\(i % 22)"), "applicant_name": .text("মোছাঃ রহিমা খাতুন \(i)"),
                    "applicant_phone": .text("+88017\(String(format: "%08d", i))"), "submitted_at": .text("2026-11-23T08:00:00Z"),
                    "status": .text("submitted"), "notes": .text("আবেদন গ্রহণ করা হয়েছে")]
        default:
            return ["office": .text("district:khulna"), "entrepreneur": .text("রহিমা বেগম"), "enterprise": .text("রূপসা হস্তশিল্প"),
                    "title": .text("নকশী কাঁথা নম্বর \(i)"), "category": .text("হস্তশিল্প"), "price_paisa": .int(250_000 + Int64(i)),
                    "stock": .int(Int64(i % 40)), "unit": .text("পিস"), "listed": .bool(true)]
        }
    }

    /// The three edits of a record: what an office does to one in a year.
    static func edit(_ collection: String, _ i: Int, _ n: Int) -> [String: FieldValue] {
        switch (collection, n) {
        case ("services", 0): return ["fee": .text("৫০ টাকা")]
        case ("services", 1): return ["time_limit": .text("১০ কর্মদিবস")]
        case ("services", _): return ["officer_title": .text("সহকারী প্রোগ্রামার")]
        case ("requests", 0): return ["status": .text("in_review"), "assigned_to": .text("সহকারী প্রোগ্রামার")]
        case ("requests", 1): return ["status": .text("approved")]
        case ("requests", _): return ["notes": .text("সনদ প্রস্তুত, সংগ্রহের জন্য ফোন করা হয়েছে")]
        case (_, 0): return ["price_paisa": .int(300_000 + Int64(i))]
        case (_, 1): return ["stock": .int(Int64(i % 40 + 5))]
        default: return ["listed": .bool(i % 3 != 0)]
        }
    }

    func liveCount(_ collection: String, in replica: Replica) throws -> Int {
        var count = 0
        var cursor: String?
        repeat {
            let page = try replica.list(collection, after: cursor, limit: 1_000)
            count += page.records.count
            cursor = page.next
        } while cursor != nil
        return count
    }

    /// The plain table's declaration and live rows alone, in a file of their own.
    func plainBaseline(_ collection: String, from replica: String, to path: String) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        try queue.inDatabase { db in
            try db.execute(sql: "ATTACH DATABASE ? AS r", arguments: [replica])
            let create = try String.fetchOne(db, sql: "SELECT sql FROM r.sqlite_master WHERE type = 'table' AND name = ?", arguments: [collection])!
            try db.execute(sql: create)
            try db.execute(sql: "INSERT INTO main.\"\(collection)\" SELECT * FROM r.\"\(collection)\"")
            try db.execute(sql: "DETACH DATABASE r")
            try db.execute(sql: "VACUUM")
        }
        return try fileSize(path)
    }

    func vacuumedSize(_ path: String, closing replica: Replica) throws -> Int {
        try replica.checkpoint()
        let queue = try DatabaseQueue(path: path)
        // In WAL mode VACUUM writes the new file into the WAL: it reaches
        // the main file (and the file shrinks) only at a checkpoint.
        try queue.inDatabase { db in
            try db.execute(sql: "VACUUM")
            _ = try db.checkpoint(.truncate)
        }
        return try fileSize(path)
    }

    /// The average state blob, and where its bytes go: values, field
    /// names, siblings' dots, the vector, the node table (what compact
    /// metadata would shrink). A replica's state leaves the text its row
    /// shows to the row: those values count nothing here.
    func averageStateBytes(_ collection: String, _ path: String) throws -> String {
        try DatabaseQueue(path: path).read { db in
            var total = StateBytes()
            let rows = try Row.fetchCursor(db, sql: "SELECT state FROM setu_records WHERE collection = ?", arguments: [CollectionKey.key(collection)])
            while let row = try rows.next() {
                let blob: Data = row["state"]
                let (state, inRow) = try StoredState.skeleton(Array(blob), in: db)
                total.add(state, blob: blob.count, inRow: Set(inRow))
            }
            return total.summary
        }
    }

    /// A SQLite hub that took the office's pushes, vacuumed.
    func hubSize(of office: Replica, at path: String) async throws -> Int {
        let storage = try SQLiteHubStorage(path: path)
        try await storage.migrate()
        let service = SyncService(storage: storage, limits: SyncLimits(), metrics: HubMetrics(), now: ReplicaClock.now)
        let (_, hash) = NodeToken.generate(for: office.node)
        let node = HubNode(id: office.node, offices: ["upazila:rupsha", "district:khulna"], createdAtMillis: 0, revoked: false)
        try await storage.addNode(node, tokenHash: hash)
        var after: Int64 = 0
        while true {
            let page = try office.feed(after: after, limit: 500)
            guard !page.entries.isEmpty else { break }
            _ = try await service.push(PushRequest(records: page.entries.map(\.record)), from: node, logger: Logger(label: "setu-bench"))
            after = page.lastSeq
        }
        try await service.recorder.flush()
        let queue = try DatabaseQueue(path: path)
        try queue.inDatabase { db in
            _ = try db.checkpoint(.truncate)
            try db.execute(sql: "VACUUM")
            _ = try db.checkpoint(.truncate)
        }
        return try fileSize(path)
    }

    func fileSize(_ path: String) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
    }
}

/// Sums of the parts of encoded states (`StateCodec`'s format 2 layout):
/// a field's name is its key (and the name, when the frozen list lacks
/// it), its dots are the state's dot table and one index per sibling.
struct StateBytes {
    var count = 0, blobs = 0, values = 0, names = 0, dots = 0, vector = 0, nodes = 0, inRow = 0

    mutating func add(_ state: RecordState, blob: Int, inRow leftToRow: Set<String> = []) {
        inRow += leftToRow.count
        count += 1
        blobs += blob
        for entry in state.vector.sorted {
            nodes += entry.node.rawValue.utf8.count + 1
            vector += 1 + Self.varint(entry.time.rawValue)
        }
        var distinct = Set<Dot>()
        for field in state.fields {
            names += 1 + (StateFieldNames.frozen.contains(field.name) ? 0 : 1 + field.name.utf8.count) + (field.siblings.count > 1 ? 1 : 0)
            for sibling in field.siblings {
                dots += 1
                distinct.insert(sibling.dot)
                switch sibling.value {
                case _ where leftToRow.contains(field.name): break
                case .null, .bool: values += 1
                case .int(let i): values += 1 + Self.varint(StateCodec.zigzag(i))
                case .text(let t): values += Self.varint(UInt64(t.utf8.count) + 4) + t.utf8.count
                }
            }
        }
        for dot in distinct {
            let back = Int64(bitPattern: (state.vector[dot.node]?.rawValue ?? 0) &- dot.time.rawValue)
            dots += 1 + Self.varint(StateCodec.zigzag(back))
        }
    }

    static func varint(_ v: UInt64) -> Int { v < 0x80 ? 1 : 1 + varint(v >> 7) }

    var summary: String {
        let n = max(count, 1)
        return "\(blobs / n) B on average: values \(values / n), field names \(names / n), dots \(dots / n), "
            + "vector \(vector / n), node ids \(nodes / n), checksum \(inRow > 0 ? 4 : 0); "
            + String(format: "%.1f", Double(inRow) / Double(n)) + " values left to the row"
    }
}
