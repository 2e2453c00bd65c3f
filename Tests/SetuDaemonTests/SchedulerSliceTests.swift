import Foundation
import SetuDaemon
import SetuTestSupport
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// setud's threads ask the kernel for short time slices (`SchedulerSlice`).
/// Linux grants them from 6.12 on; earlier kernels take the request and
/// ignore it, so there is nothing to check there.
@Suite struct SchedulerSliceTests {
    static let grantsSlices = kernelIsAtLeast(6, 12)

    @Test(.enabled(if: grantsSlices, "Linux before 6.12 ignores a requested slice"))
    func aRequestedSliceIsTheThreadsAndEveryThreadItStarts() throws {
        // On a thread of its own: the test runner's threads keep theirs.
        let seen = Mutex<(granted: Bool, own: UInt64?, started: UInt64?)>((false, nil, nil))
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let granted = SchedulerSlice.requestForCallingThread(300_000)
            let own = SchedulerSlice.ofCallingThread()
            Thread.detachNewThread {
                let started = SchedulerSlice.ofCallingThread()
                seen.withLock { $0 = (granted, own, started) }
                done.signal()
            }
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        let (granted, own, started) = seen.withLock { $0 }
        #expect(granted)
        #expect(own == 300_000)
        #expect(started == 300_000)
        #expect(SchedulerSlice.ofCallingThread() != 300_000, "the request reached the test runner's thread")
    }

    @Test(.enabled(if: grantsSlices, "Linux before 6.12 ignores a requested slice"))
    func everyThreadOfARunningSetudHasTheShortSlice() async throws {
        let hub = try HubProcess()
        defer { hub.stop() }
        try await hub.waitUntilServing()
        let setud = try SetudProcess(node: "office-a", hub: hub, offices: ["upazila:rupsha"])
        defer { setud.stop() }
        try await setud.waitUntilReady()
        #expect(try await setud.ctl(["sync", "--wait"]).status == 0)
        let tasks = "/proc/\(setud.process.pid)/task"
        let threads = try FileManager.default.contentsOfDirectory(atPath: tasks)
        // A transfer's thread that ended since the listing has no file left.
        let slices = threads.compactMap { thread in SchedulerSlice.of(schedFile: "\(tasks)/\(thread)/sched").map { (thread, $0) } }
        #expect(slices.count > 3, "setud runs its event loops and sync threads")
        #expect(slices.allSatisfy { $0.1 == SchedulerSlice.requested }, "\(slices)")
    }

    static func kernelIsAtLeast(_ major: Int, _ minor: Int) -> Bool {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parts = release.split(separator: ".").prefix(2).map { Int($0.prefix { $0.isNumber }) ?? 0 }
        guard parts.count == 2 else { return false }
        return (parts[0], parts[1]) >= (major, minor)
    }
}
