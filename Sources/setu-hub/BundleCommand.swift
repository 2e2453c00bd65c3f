import ArgumentParser
import Foundation
import SetuBundle
import SetuCore
import SetuHub

/// `setu-hub bundle import|export`: sync by files for offices with no link.
struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Take in an office's bundle file, or make the answer bundle for an office.",
        subcommands: [BundleImport.self, BundleExport.self])

    /// Runs `body` with the bundle service over the configured storage; the
    /// fleet activity a bundle notes is written before the command ends.
    static func withBundles<T: Sendable>(_ config: HubConfig, _ body: @Sendable @escaping (BundleService) async throws -> T) async throws -> T {
        let key = try config.signingKey()
        let logger = HubRuntime.logger(level: .warning)
        return try await HubRuntime.withStorage(config, logger: logger) { storage in
            let sync = SyncService(storage: storage, limits: config.limits, metrics: HubMetrics(), logger: logger,
                                   now: { UInt64(Date().timeIntervalSince1970 * 1000) })
            let result = try await body(BundleService(sync: sync, key: key))
            await sync.recorder.flush()
            return result
        }
    }

    /// A refusal on stderr, exit 1 (or 2 for a replay: nothing to do).
    static func refuse(_ refusal: BundleRefusal) -> ExitCode {
        FileHandle.standardError.write(Data("setu-hub: \(refusal)\n".utf8))
        return ExitCode(refusal.reason == .replayed ? 2 : 1)
    }
}
