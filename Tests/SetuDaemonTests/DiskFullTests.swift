import Foundation
import SetuTestSupport
import Testing

/// A replica on a disk that fills up: the write that fails says so, status
/// shows it (state `error`, with where to free space) instead of `idle`,
/// and it clears by itself once writes work again. A real full file system:
/// a small tmpfs, mounted by the test (the suite runs as root here; the CI
/// machine too).
@Suite(.serialized) struct DiskFullTests {
    @Test func aFullDiskShowsInStatusUntilWritesWorkAgain() async throws {
        let mountPoint = "/tmp/setu-full-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mount = try await runProgram(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=32m", "tmpfs", mountPoint])
        try #require(mount.status == 0, "mounting a tmpfs needs root: \(mount.error)")
        defer {
            _ = try? runProgram(URL(fileURLWithPath: "/bin/umount"), ["-l", mountPoint])
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["district:khulna"], replicaPath: "\(mountPoint)/replica.sqlite")
        defer { setud.stop() }
        try await setud.waitUntilReady()
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)

        // Fill what is left of the disk.
        let filler = "\(mountPoint)/filler"
        _ = try await runProgram(URL(fileURLWithPath: "/bin/dd"), ["if=/dev/zero", "of=\(filler)", "bs=64k"])
        let rows = (0..<4_000).map { i in "p\(i),district:khulna,রহিমা,কাঁথা \(i) \(String(repeating: "ন", count: 150)),100" }
        let file = setud.dir.appendingPathComponent("many.csv").path
        try (["id,office,entrepreneur,title,price_paisa"] + rows).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let failed = try await setud.ctl(["import", "file", "products", file])
        #expect(failed.status != 0)
        #expect(failed.error.contains("full"), "\(failed.error)")
        let status = try await setud.ctl(["status", "--json"]).output
        #expect(status.contains("\"state\":\"error\"") && status.contains("disk holding the replica is full") && status.contains(mountPoint), "\(status)")
        let human = try await setud.ctl(["status"]).output
        #expect(human.contains("warning") && human.contains("df -h"), "\(human)")

        try FileManager.default.removeItem(atPath: filler)
        let cleared = await waitUntil(seconds: 10) {
            (try? await setud.ctl(["status", "--json"]).output.contains("\"local_write_error\":null")) == true
        }
        let after = try await setud.ctl(["status", "--json"]).output
        #expect(cleared, "\(after)")
        #expect(try await setud.ctl(["import", "file", "products", file]).status == 0)
        let idle = await waitUntil(seconds: 30) { (try? await setud.ctl(["status", "--json"]).output.contains("\"state\":\"idle\"")) == true }
        let last = try await setud.ctl(["status", "--json"]).output
        #expect(idle, "the import went out: \(last)")
    }
}
