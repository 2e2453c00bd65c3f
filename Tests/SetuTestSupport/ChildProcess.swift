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
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { env.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, env)
        guard result == 0 else { throw SupportError("cannot start \(executable): \(String(cString: strerror(result)))") }
        pid = child
    }

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
    public func wait() -> Int32 {
        let status: Int32 = lock.withLock {
            if let rawStatus { return rawStatus }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            rawStatus = status
            return status
        }
        return Self.exitCode(status)
    }

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
