import Foundation
import SetuCore
import SetuStore
import SetuTestSupport
import Testing

/// A child process writes in a loop and is killed with SIGKILL at random
/// moments. After each kill the file passes `PRAGMA integrity_check` and holds
/// every write the child reported committed.
@Suite struct CrashSafetyTests {
    static let rounds = 25

    @Test func sigkillAtRandomMomentsLosesNoCommittedWrite() throws {
        let dir = TemporaryDirectory()
        let path = dir.file("crash.sqlite")
        var reported = Set<Int>()
        var next = 0
        var rng = SystemRandomNumberGenerator()
        for round in 0..<Self.rounds {
            // A file, not a pipe: read after the child is dead.
            let outPath = dir.file("round-\(round).out")
            let child = try ChildProcess(try Self.writerBinary().path, [path, String(next)], stdout: outPath)
            usleep(UInt32.random(in: 30_000...250_000, using: &rng))
            child.signal(SIGKILL)
            #expect(child.wait() == 128 + SIGKILL, "round \(round): the child died on its own")
            let lines = ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "").split(separator: "\n")
            let committed = lines.compactMap { $0.hasPrefix("committed ") ? Int($0.dropFirst(10)) : nil }
            reported.formUnion(committed)
            next = (committed.max() ?? next) + 2 // skip one: it may have committed unreported

            let replica = try Replica(path: path, node: "crash-writer")
            #expect(try replica.integrityCheck() == "ok", "round \(round)")
            for n in committed {
                #expect(try replica.record("services", id: "w\(n)")?.values != nil, "round \(round): lost w\(n)")
            }
            let stock = try replica.record("products", id: "p")?.values?["stock"]
            guard case .int(let s)? = stock else { continue }
            // Each reported round added 1; at most one per kill may be committed unreported.
            #expect(Int(s) >= reported.count && Int(s) <= reported.count + round + 1, "round \(round): stock \(s) vs \(reported.count) reported")
        }
        #expect(reported.count > Self.rounds, "the child wrote too little for the test to mean anything")
        print("crash safety: \(reported.count) reported writes across \(Self.rounds) SIGKILLs, none lost")
    }

    static func writerBinary() throws -> URL { try Binaries.find("setu-crash-writer") }
}
