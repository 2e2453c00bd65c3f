import Foundation
import SetuCore
@testable import SetuStore
import SetuThreads
import Testing

/// The replica's WAL is copied back into the database file off the writer.
@Suite struct BackgroundCheckpointerTests {
    let dir = TemporaryDirectory()
    var path: String { dir.file("r.sqlite") }

    func size(_ file: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
    }

    /// `count` services with `textBytes` of Bengali text each, `perBatch` to a transaction.
    func write(_ replica: Replica, count: Int, textBytes: Int, perBatch: Int, from first: Int = 0) throws {
        let text = String(repeating: "নথি ", count: textBytes / 10)
        for start in stride(from: first, to: first + count, by: perBatch) {
            try replica.batch { batch in
                for i in start..<min(start + perBatch, first + count) {
                    var values = Fixtures.service(serial: Int64(i % 9_999 + 1))
                    values["documents"] = .text(text)
                    try batch.put("services", id: "s\(i)", values)
                }
            }
        }
    }

    @Test func aWALPastTheThresholdReachesTheFileWithoutAnExplicitCheckpoint() throws {
        let replica = try Replica(path: path, node: "office-a")
        let before = size(path)
        // ~2,400 WAL pages: past the 1,000 that ask for a checkpoint, twice. (The
        // text is in each row only: its state leaves it to the row.)
        try write(replica, count: 1_600, textBytes: 6_000, perBatch: 100)
        replica.checkpointer.waitUntilIdle()
        #expect(size(path) > before + 4_000_000, "the database file did not grow: nothing was checkpointed")
        #expect(try replica.integrityCheck() == "ok")
        #expect(Self.niceness(ofThreadNamed: "setu-checkpoint") == Int(BackgroundWorker.niceness),
                "checkpoints run at the sync's lower priority, as the writes that fill the WAL")
    }

    /// The nice value of this process's thread named `name` (its `comm`),
    /// from `/proc/self/task/*/stat`; nil when there is none.
    static func niceness(ofThreadNamed name: String) -> Int? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                  comm.trimmingCharacters(in: .newlines) == name,
                  let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                  let nameEnds = stat.lastIndex(of: ")") else { continue }
            // Field 19 of stat(5); the fields after the name start at 3.
            let fields = stat[stat.index(after: nameEnds)...].split(separator: " ")
            return fields.count > 16 ? Int(fields[16]) : nil
        }
        return nil
    }

    @Test func aWriterThatNeverPausesKeepsTheWALBounded() throws {
        let replica = try Replica(path: path, node: "office-a")
        // ~35 MB through the WAL in 40 back-to-back transactions.
        try write(replica, count: 2_000, textBytes: 8_000, perBatch: 50)
        let limit = Int(BackgroundCheckpointer.inlineLimit) * 4_096
        #expect(size(path + "-wal") < limit + 2_000_000, "WAL grew to \(size(path + "-wal")) bytes")
        try replica.checkpoint()
        #expect(size(path + "-wal") == 0)
        #expect(try replica.recordCount() == 2_000)
        #expect(try replica.integrityCheck() == "ok")
    }

    /// One transaction larger than the bound (an office's SQL script of
    /// thousands of rows is stamped in one) must make the WAL that large;
    /// once it is copied back, the file gives that space back instead of
    /// staying at its high-water mark (144 MB per office in the churn run).
    @Test func aWALThatALargeTransactionGrewShrinksOnceCheckpointed() throws {
        let replica = try Replica(path: path, node: "office-a")
        let limit = Int(BackgroundCheckpointer.inlineLimit) * 4_096
        try write(replica, count: 3_000, textBytes: 8_000, perBatch: 3_000)
        #expect(size(path + "-wal") > limit, "the transaction was meant to outgrow the bound")
        // The WAL starts again from its first page (and is cut to the bound)
        // at the first write after a complete checkpoint.
        var shrunk = false
        for i in 0..<50 where !shrunk {
            replica.checkpointer.waitUntilIdle()
            try write(replica, count: 1, textBytes: 100, perBatch: 1, from: 1_000 + i)
            shrunk = size(path + "-wal") <= limit
        }
        #expect(shrunk, "WAL stayed at \(size(path + "-wal")) bytes")
        #expect(try replica.integrityCheck() == "ok")
    }

    @Test func aReopenedReplicaCheckpointsAgainAndLosesNothing() throws {
        do {
            let replica = try Replica(path: path, node: "office-a")
            try write(replica, count: 200, textBytes: 6_000, perBatch: 100)
        }
        let replica = try Replica(path: path, node: "office-a")
        let before = size(path)
        try write(replica, count: 1_600, textBytes: 6_000, perBatch: 100, from: 200)
        replica.checkpointer.waitUntilIdle()
        #expect(size(path) > before + 4_000_000, "the reopened replica did not checkpoint")
        #expect(try replica.recordCount() == 1_800)
        #expect(try replica.integrityCheck() == "ok")
    }
}
