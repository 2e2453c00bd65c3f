import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The sync's background priority, set on the threads that do its work
/// (`BackgroundWorker`'s, and setud's transfers: `CurlOptions.threadNiceness`).
public enum ThreadPriority {
    /// Lowers the calling thread's priority. Linux keeps a nice value per
    /// thread, and `setpriority(PRIO_PROCESS, 0, …)` sets the caller's
    /// alone. A failure leaves it as it was: the work still runs.
    public static func lowerCallingThread(to niceness: Int32) {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}
