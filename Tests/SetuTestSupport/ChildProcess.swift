import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn and reaped with waitpid.
///
/// Not Foundation's `Process`: with many children started concurrently from
/// test threads, its termination tracking was seen to miss exits (children
/// left as zombies, `waitUntilExit` never returning). Output goes to files,
/// never pipes, so no leaked descriptor can hold a reader open.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var rawStatus: Int32?

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                stdout: String = "/dev/null", stderr: String = "/dev/null") throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        // Nothing else of the test process: a socket a test opened without
        // O_CLOEXEC, inherited by a daemon another test starts, outlives the
        // test's close and keeps a half-sent request open at its hub.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        // A child starts with no signal blocked and every signal at its
        // default: the spawning thread's mask (the Swift runtime blocks most
        // signals on its threads) would otherwise be inherited, and a child
        // that sets up no handling of its own would ignore SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, env)
        guard result == 0 else { throw SupportError("cannot start \(executable): \(String(cString: strerror(result)))") }
        pid = child
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which the
    /// Glibc module does not export.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Reaps the child if it has exited, without blocking.
    public var isRunning: Bool {
        lock.withLock {
            guard rawStatus == nil else { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { rawStatus = status; return false }
            return true
        }
    }

    public func signal(_ number: Int32) { if isRunning { kill(pid, number) } }

    /// Blocks until the child exits; its exit code, or 128 + the signal that killed it.
    @discardableResult
    public func wait() -> Int32 { wait(seconds: .infinity)! }

    /// Waits at most `seconds` for the child to exit: its exit code, or nil
    /// if it still runs. Polls without holding the lock across the wait, so
    /// another thread may signal the child meanwhile (a blocking waitpid
    /// under the lock made `signal` wait for the very exit it was to cause).
    public func wait(seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        var pause: useconds_t = 1_000
        while isRunning {
            guard Date() < deadline else { return nil }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        return Self.exitCode(lock.withLock { rawStatus! })
    }

    /// SIGTERM, then at most `seconds` for the child to exit; past that,
    /// SIGKILL. Every program here promises to stop quickly on SIGTERM, so
    /// one that does not is a defect: it is reported on stderr with
    /// `stuckMarker`, which the test command looks for, and `false` is
    /// returned. Never waits without a bound, so a stuck child cannot hang
    /// the suite.
    @discardableResult
    public func stop(within seconds: Double = 30, describe: () -> String = { "" }) -> Bool {
        signal(SIGTERM)
        if wait(seconds: seconds) != nil { return true }
        kill(pid, SIGKILL)
        wait()
        FileHandle.standardError.write(Data("\(Self.stuckMarker): pid \(pid) did not exit within \(Int(seconds)) s of SIGTERM and was killed. \(describe())\n".utf8))
        return false
    }

    /// What `stop` prints when a child had to be killed.
    public static let stuckMarker = "SETU-TEST-STUCK-CHILD"

    /// Whether a signal (not an exit) ended the child.
    public var wasSignalled: Bool {
        _ = wait()
        return lock.withLock { (rawStatus! & 0x7f) != 0 }
    }

    static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
