import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SetuBundle
import SetuConfig
import SetuCore
import SetuDaemon
import SetuStore
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// `setud --config PATH`: the office daemon, in the foreground (systemd runs it).
@main
struct Setud: AsyncParsableCommand {
    static let version = SetuVersion.current

    /// Whether the kernel took setud's request for short time slices,
    /// made first thing in `main` (a system call filter can refuse it).
    static let shortSlices = SchedulerSlice.requestForCallingThread()

    /// Whether Swift's tasks run on the event loops (NIO declines when the
    /// runtime offers no hook, or another executor took it first).
    static let tasksOnEventLoops = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

    /// Before any task or thread starts: setud's threads inherit the short
    /// time slice (`SchedulerSlice`), and Swift's tasks run on the event
    /// loops of the control socket, so a status call is read, answered and
    /// written on one thread instead of waking two more, each of which could
    /// wait for a core behind the sync or other programs. Status during
    /// eight 100k bootstraps, pooled (`setu-bench`, part `status`): p99 7.9
    /// and 8.9 ms before, 6.5 and 6.9 ms after. Blocking work (page writes,
    /// decoding, transfers) has threads of its own either way.
    static func main() async {
        _ = (shortSlices, tasksOnEventLoops)
        await main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "setud", abstract: "Keep this office's replica in sync with the hub.",
        discussion: "Exit codes: 0 stopped cleanly, 1 runtime failure, 64 usage, 75 another setud holds the replica, 78 configuration error.",
        version: version)

    @Option(name: .long, help: "Path to setud.toml.")
    var config: String = "/etc/setu/setud.toml"

    @Flag(name: .long, help: "Print this node's public signing key (made if there is none yet) for the hub's operator (setu-hub node set-key), and exit.")
    var printPublicKey = false

    func run() async throws {
        SQLiteLibrary.configureForThisProcess()
        let (settings, level) = try loadOrExit(config)
        let signingKey: SigningKey
        do {
            signingKey = try SigningKey.loadOrCreate(at: settings.signingKeyPath)
        } catch {
            FileHandle.standardError.write(Data("setud: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if printPublicKey { return print(signingKey.publicKey) }
        var logger = Logger(label: "setud")
        logger.logLevel = level
        logger[metadataKey: "setu.node"] = "\(settings.node)"
        if !Self.shortSlices {
            logger.notice("""
                the kernel refused short time slices (sched_setattr), so status may answer slowly while the PC is busy; \
                allow sched_setattr in the service's SystemCallFilter (as setud.service does)
                """)
        }
        if !Self.tasksOnEventLoops {
            logger.notice("Swift's tasks run on their own threads, not the control socket's event loops: status may answer slower while the PC is busy")
        }
        let lock = try ReplicaLock(path: settings.replicaPath + ".lock")
        defer { lock.release() }
        let replica = try Replica(path: settings.replicaPath, node: settings.node, options: ReplicaOptions(now: try SimulatedClock.now()))
        let loop = SyncLoop(settings: settings, replica: replica, notifier: SystemdNotifier(), version: Self.version, logger: logger,
                            nodeKey: signingKey.publicKey.description)
        let socketPath = settings.socketPath
        let socketLogger = logger
        let app = Application(
            router: ControlAPI.router(loop: loop, access: ControlAccessPolicy(socketPath: socketPath), signingKey: signingKey),
            configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "setud"),
            onServerRunning: { _ in
                // 0660: root and the socket's group only (see setud.service).
                chmod(socketPath, 0o660)
                socketLogger.notice("control socket ready", metadata: ["setu.socket": "\(socketPath)"])
            },
            logger: logger)
        let signals = SignalService(loop: loop, configPath: config, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: loop), .init(service: app), .init(service: signals)]
        if let interval = SystemdNotifier.watchdogInterval() {
            services.append(.init(service: WatchdogService(notifier: SystemdNotifier(), interval: interval)))
        }
        var groupConfig = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // Below systemd's TimeoutStopSec (10 s in setud.service).
        groupConfig.maximumGracefulShutdownDuration = .seconds(8)
        groupConfig.maximumCancellationDuration = .seconds(1)
        try await ServiceGroup(configuration: groupConfig).run()
        logger.notice("stopped")
    }
}

func loadOrExit(_ path: String) throws -> (DaemonSettings, Logger.Level) {
    do {
        return try SetudConfig.load(path)
    } catch let error as ConfigError {
        FileHandle.standardError.write(Data("setud: \(error)\n".utf8))
        throw ExitCode(78)
    }
}

/// SIGHUP reloads the config (a bad one keeps the old, and says why);
/// SIGUSR1 starts a sync.
struct SignalService: Service {
    let loop: SyncLoop
    let configPath: String
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1)
        await withGracefulShutdownHandler {
            for await signal in signals.cancelOnGracefulShutdown() {
                if signal == .sigusr1 {
                    logger.info("SIGUSR1: syncing now")
                    await loop.triggerSync()
                    continue
                }
                do {
                    let (settings, _) = try SetudConfig.load(configPath)
                    if let refusal = await loop.reload(settings) {
                        logger.error("reload refused; keeping the running config", metadata: ["setu.reason": "\(refusal)"])
                    } else {
                        logger.notice("config reloaded")
                    }
                } catch {
                    logger.error("reload failed; keeping the running config", metadata: ["setu.reason": "\(error)"])
                }
            }
        } onGracefulShutdown: {}
    }
}

/// An exclusive lock next to the replica: a second setud on the same
/// replica would otherwise silently take over the control socket.
final class ReplicaLock {
    private let fd: Int32

    init(path: String) throws {
        fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            FileHandle.standardError.write(Data("setud: cannot open \(path): \(String(cString: strerror(errno))); check node.replica's directory and its permissions\n".utf8))
            throw ExitCode(1)
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            FileHandle.standardError.write(Data("setud: another setud is running on this replica (\(path) is locked); stop it first\n".utf8))
            throw ExitCode(75)
        }
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
