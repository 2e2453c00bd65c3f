import Foundation
import SetuTestSupport
import Testing

/// Office software that writes straight into the replica can hold its
/// write lock for as long as its transaction lasts. setud's own writes then
/// wait for it (up to the busy timeout, 5 s) and fail; status must go on
/// answering meanwhile, and say what is wrong. setud stamps outside writes
/// every second, and that wait ran on the sync loop that every status call
/// goes through: each call waited up to 5 s, once a second, for as long as
/// the lock was held.
@Suite struct HeldWriteLockTests {
    @Test func statusAnswersWhileAnotherProgramHoldsTheWriteLock() async throws {
        let (hub, setud) = try await oneProductOffice()
        defer { setud.stop(); hub.stop() }

        let locked = setud.dir.appendingPathComponent("locked").path, release = setud.dir.appendingPathComponent("release").path
        let holder = try ChildProcess("/usr/bin/sqlite3", [
            "-cmd", ".timeout 5000", setud.replicaPath, "BEGIN IMMEDIATE;", "UPDATE products SET title = 'নকশী কাঁথা' WHERE id = 'p1';",
            ".shell touch '\(locked)'; while [ ! -e '\(release)' ]; do sleep 0.05; done", "COMMIT;",
        ], stdout: setud.dir.appendingPathComponent("holder.log").path, stderr: setud.dir.appendingPathComponent("holder.log").path)
        defer { _ = FileManager.default.createFile(atPath: release, contents: nil); _ = holder.wait(seconds: 30) }
        #expect(await waitUntil(seconds: 20) { FileManager.default.fileExists(atPath: locked) })

        // A local write waits for the lock, on a control-socket connection
        // of its own, and is refused with the reason when the wait ends.
        let put = Task { try await setud.ctl(["put", "products", "p2", "office=district:khulna", "entrepreneur=রহিমা", "title=শীতলপাটি", "price_paisa=200"]) }

        // Each status call answers at once (3 s is some 500 times its usual
        // time; a call behind the busy wait took up to 5 s), until status
        // tells of the wait (the sync's failure or the stamp's, whichever
        // waits out the busy timeout first), and is not idle.
        func status() async throws -> String {
            try await runProgram(try Binaries.find("setuctl"), ["status", "--json", "--socket", setud.socketPath], timeout: 3).output
        }
        let told = try await waitUntil(seconds: 30) { try await status().contains("another program has held the replica's write lock") }
        let during = try await status()
        #expect(told, "status while the lock is held: \(during)")
        #expect(!during.contains("\"state\":\"idle\""), "\(during)")
        let refused = try await put.value
        #expect(refused.status != 0 && refused.error.contains("write lock"), "the put: \(refused)")

        #expect(FileManager.default.createFile(atPath: release, contents: nil))
        #expect(holder.wait(seconds: 30) == 0)
        // Committed, the outside write is stamped, and status is clear again.
        let cleared = try await waitUntil(seconds: 20) {
            let now = try await status()
            return now.contains("\"stamp_error\":null") && !now.contains("\"state\":\"error\"")
        }
        let after = try await status()
        #expect(cleared, "after the commit: \(after)")
        #expect(try await setud.ctl(["get", "products", "p1"]).output.contains("নকশী কাঁথা"))
    }
}
