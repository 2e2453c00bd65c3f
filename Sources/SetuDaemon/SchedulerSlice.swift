import CScheduler
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The time slice setud asks the kernel for: short, so its control socket
/// answers while other programs keep the cores busy.
///
/// Since Linux 6.6 the scheduler (EEVDF) lets a running task finish its
/// slice before a task that just woke, whatever their nice values: a
/// status call woke setud's event loop and then waited behind a full slice
/// of the hub, the sync's threads or office software (perf sched showed
/// 3-9 ms waits for a core). A task asking for a shorter slice than the one
/// running is let in at once (Linux 6.12 and later). Every setud thread
/// asks for the shortest, 0.1 ms: the niced sync threads then give way
/// sooner too, and still take a whole core when nothing else wants it.
/// Status during a 100k bootstrap on two cores, pooled over 14 bootstraps
/// each: calls over 4 ms 11% before, 5% with this and the event loops
/// running setud's tasks (`setud`'s `main`).
///
/// Earlier kernels take the request and ignore it.
public enum SchedulerSlice {
    /// Nanoseconds: the shortest slice Linux grants.
    public static let requested: UInt64 = 100_000

    /// Asks for `nanoseconds` slices for the calling thread, at its nice
    /// value; every thread it starts afterwards inherits them, so setud asks
    /// first thing, before it starts any. False (nothing changed) if the
    /// kernel refused.
    @discardableResult
    public static func requestForCallingThread(_ nanoseconds: UInt64 = requested) -> Bool {
        errno = 0
        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        guard errno == 0 else { return false }
        return setu_sched_request_slice(nice, nanoseconds) == 0
    }

    /// The calling thread's slice in nanoseconds, as the kernel reports it
    /// (`se.slice` in /proc/thread-self/sched); nil where it does not.
    public static func ofCallingThread() -> UInt64? {
        of(schedFile: "/proc/thread-self/sched")
    }

    /// The slice in a `/proc/<pid>/task/<tid>/sched` file; nil where there is none.
    public static func of(schedFile path: String) -> UInt64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("se.slice ") {
            return line.split(separator: ":").last.flatMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        }
        return nil
    }
}
