import Foundation
import GRDB
import SetuCore
import SetuStore

/// Issue 2's figures: local writes/s, remote apply/s against a raw SQLite
/// insert of the same rows, bytes per 100k records.
struct StoreBenchmark {
    let records: Int
    let batchSize = 1_000
    /// Pages per timed chunk (see `timedChunks`).
    let chunkPages = 10

    func run() throws {
        let dir = MachineInfo.scratchDirectory()
        defer { MachineInfo.removeScratch(dir) }
        let replica = try Replica(path: "\(dir)/office.sqlite", node: "bench-office")

        let writeSeconds = try timedChunks { chunk in
            for page in chunk {
                try replica.batch { batch in
                    for i in page { try batch.put("services", id: "local-\(i)", Self.service(i)) }
                }
            }
            try replica.checkpoint()
        }
        print("local writes (put, \(batchSize) per transaction): \(rate(records, writeSeconds))")
        print("peak RSS after the local writes: \(MachineInfo.peakRSSMegabytes()) MB")

        // Each chunk also goes into the raw baselines right after the replica
        // applied it: both then meet the same disk (a virtual disk's fsync
        // time drifts by 2x over a minute), which separate phases would not.
        let durableRaw = try RawInsertBaseline(path: "\(dir)/raw-full.sqlite", durable: true)
        let fastRaw = try RawInsertBaseline(path: "\(dir)/raw-normal.sqlite", durable: false)
        var applySeconds = 0.0, durableRawSeconds = 0.0, fastRawSeconds = 0.0
        for chunk in chunks() {
            let pages = chunk.map(Self.remoteStates)
            applySeconds += try measure {
                try Self.applyAsSetudDoes(pages, to: replica)
                try replica.checkpoint()
            }
            durableRawSeconds += try durableRaw.insert(pages)
            fastRawSeconds += try fastRaw.insert(pages)
        }
        print("apply remote states (new records, into a replica holding \(records); as setud does: each page prepared on a second thread "
            + "while the one before is written): \(rate(records, applySeconds))")
        // setud commits pulled pages at synchronous=NORMAL (`CommitDurability.deferred`),
        // so the raw insert at NORMAL is the like-for-like baseline.
        print("raw SQLite insert of the same rows into a plain table, synchronous=NORMAL as setud's pulled pages: \(rate(records, fastRawSeconds))")
        print(String(format: "apply / raw: %.2fx (goal ≥ 0.50x, issue 18)", fastRawSeconds / applySeconds))
        print("for reference, the raw insert at synchronous=FULL (every commit fsynced, as the replica's own writes): "
            + "\(rate(records, durableRawSeconds)); apply / that: " + String(format: "%.2fx", durableRawSeconds / applySeconds))

        let updateSeconds = try secondsApplying(Self.remoteUpdates, to: replica)
        print("apply remote states (concurrent updates of existing records, as setud does): \(rate(records, updateSeconds))")

        let editSeconds = try secondsApplying(Self.remoteEdits, to: replica)
        print("apply remote states (edits of held records, each descending from the state held, as an office's catch-up brings; as setud does): "
            + "\(rate(records, editSeconds))")

        print("peak RSS after the replica phases (with one \(chunkPages * batchSize)-record input chunk in memory): "
            + "\(MachineInfo.peakRSSMegabytes()) MB")

        try replica.checkpoint()
        let total = try replica.recordCount()
        let bytes = try FileManager.default.attributesOfItem(atPath: "\(dir)/office.sqlite")[.size] as! Int
        print(String(format: "replica size: %.1f MB for %d records = %.1f MB per 100k records (%d bytes/record)",
                     Double(bytes) / 1e6, total, Double(bytes) / 1e6 * 100_000 / Double(total), bytes / total))
    }

    /// The seconds applying the pages `states` makes of every chunk takes,
    /// as setud applies them, each chunk ending with a full checkpoint
    /// (see `timedChunks`); the pages are built before each chunk's clock.
    func secondsApplying(_ states: (Range<Int>) -> [ReplicatedRecord], to replica: Replica) throws -> Double {
        try chunks().reduce(0) { total, chunk in
            let pages = chunk.map(states)
            return try total + measure {
                try Self.applyAsSetudDoes(pages, to: replica)
                try replica.checkpoint()
            }
        }
    }

    /// Record numbers in pages of `batchSize` (one transaction each), grouped
    /// in chunks of `chunkPages`.
    func chunks() -> [[Range<Int>]] {
        let pages = stride(from: 0, to: records, by: batchSize).map { $0..<min($0 + batchSize, records) }
        return stride(from: 0, to: pages.count, by: chunkPages).map { Array(pages[$0..<min($0 + chunkPages, pages.count)]) }
    }

    /// The seconds `body` takes over every chunk.
    ///
    /// Input is built before a chunk's clock starts, and every timed chunk
    /// ends with a full checkpoint: the replica checkpoints on a thread of
    /// its own, and this way its work is either overlapped with the chunk's
    /// writes or waited for, never done for free while input is built (or
    /// during a baseline's turn). The baselines end their chunks the same way.
    func timedChunks(_ body: ([Range<Int>]) throws -> Void) throws -> Double {
        try chunks().reduce(0) { total, chunk in try total + measure { try body(chunk) } }
    }

    static func service(_ i: Int) -> [String: FieldValue] {
        [
            "office": .text("upazila:rupsha"), "section": .text(["citizen", "institutional", "internal"][i % 3]),
            "serial": .int(Int64(i % 9_999 + 1)), "name": .text("ডিজিটাল সেবা নম্বর \(i)"),
            "delivery_method": .text("সরাসরি/ই-মেইল"), "documents": .text("আবেদন পত্র ও জাতীয় পরিচয়পত্রের কপি"),
            "fee": .text("বিনামূল্যে"), "time_limit": .text("০৭ কর্মদিবস"),
            "officer_title": .text("উপজেলা আইসিটি অফিসার"), "officer_phone": .text("+8801711000000"),
            "officer_email": .text("rupsha@ictd.gov.bd"),
        ]
    }

    /// States as the hub would send them: written by other offices.
    /// Applies pages the way setud's pull does: the next page's checks and
    /// merges into nothing (`Replica.prepare`) on another thread while the
    /// page before is written.
    static func applyAsSetudDoes(_ pages: [[ReplicatedRecord]], to replica: Replica) throws {
        final class Next: @unchecked Sendable { var page: PreparedPage? }
        var current = pages.first.map(replica.prepare)
        for i in pages.indices {
            let next = Next(), done = DispatchGroup()
            if i + 1 < pages.count {
                let following = pages[i + 1]
                DispatchQueue.global().async(group: done) { next.page = replica.prepare(following) }
            }
            try replica.apply(current!, from: "hub", durability: .deferred)
            done.wait()
            current = next.page
        }
    }

    static func remoteStates(_ range: Range<Int>) -> [ReplicatedRecord] {
        range.map { i in
            var state = RecordState()
            let values = try! Collections.services.validate(service(i), mode: .whole).values
            state.write(values, dot: Dot(node: NodeID(rawValue: "office-\(i % 50)")!, time: HLCTimestamp(physicalMillis: 1_700_000_000_000 + UInt64(i))))
            return ReplicatedRecord(collection: "services", id: "remote-\(i)", state: state)
        }
    }

    /// Later edits of the records `remoteStates` made, by the offices that
    /// wrote them: each has seen the state the replica holds.
    static func remoteEdits(_ range: Range<Int>) -> [ReplicatedRecord] {
        zip(range, remoteStates(range)).map { i, record in
            var state = record.state
            state.write(["fee": .text("৫০ টাকা"), "time_limit": .text("০৩ কর্মদিবস")],
                        dot: Dot(node: NodeID(rawValue: "office-\(i % 50)")!, time: HLCTimestamp(physicalMillis: 1_700_100_000_000 + UInt64(i))))
            return ReplicatedRecord(collection: "services", id: record.id, state: state)
        }
    }

    /// Updates to the locally written records, concurrent with the local writes.
    static func remoteUpdates(_ range: Range<Int>) -> [ReplicatedRecord] {
        range.map { i in
            var state = RecordState()
            let values = try! Collections.services.validate(service(i + 1), mode: .whole).values
            state.write(values, dot: Dot(node: "office-x", time: HLCTimestamp(physicalMillis: 1_700_000_000_000 + UInt64(i))))
            return ReplicatedRecord(collection: "services", id: "local-\(i)", state: state)
        }
    }
}

