import Logging
import ArgumentParser
import PostgresNIO
import Foundation
import SetuConfig
import SetuHub

/// Opens the configured storage for the length of `body`. A PostgreSQL
/// client runs in a child task meanwhile, and is stopped afterwards.
enum HubRuntime {
    static func withStorage<T: Sendable>(
        _ config: HubConfig, logger: Logger, _ body: @Sendable @escaping (any HubStorage) async throws -> T
    ) async throws -> T {
        switch config.storage {
        case .sqlite(let path):
            let storage = try SQLiteHubStorage(path: path)
            try await storage.migrate()
            return try await body(storage)
        case .postgres(let url):
            let client = try PostgresHubStorage.makeClient(url: url, logger: logger)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { await client.run(); return nil }
                group.addTask {
                    let storage = PostgresHubStorage(client: client, logger: logger)
                    try await storage.migrate()
                    return try await body(storage)
                }
                defer { group.cancelAll() }
                while let result = try await group.next() {
                    if let result { return result }
                }
                throw HubStorageError("the PostgreSQL client stopped unexpectedly")
            }
        }
    }

    /// The hub's clock: the system's, unless SETU_SIMULATE_CLOCK_OFFSET_SECONDS
    /// moves it (drills and tests); a bad value exits 78 with the fix.
    static func clock() throws -> @Sendable () -> UInt64 {
        do {
            return try SimulatedClock.now()
        } catch {
            FileHandle.standardError.write(Data("setu-hub: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }

    static func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "setu-hub")
        logger.logLevel = level
        return logger
    }
}
