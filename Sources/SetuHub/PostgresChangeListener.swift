import Logging
import PostgresNIO
import ServiceLifecycle

/// Keeps a PostgreSQL hub's idle-poll cache true to the database: listens
/// on the channel the v6 triggers notify at every commit that moves a feed
/// head, a purge floor or a node, and applies each notification.
///
/// The cache is trusted only while the listening connection is up:
/// `resume` once `LISTEN` is acknowledged (the cache starts empty, as it
/// may have missed commits), `suspend` when the connection fails (every
/// poll reads the database until it is back). Another hub's commit reaches
/// this hub's answers one notification later (milliseconds); this hub's
/// own commits are in its cache at once.
public struct PostgresChangeListener: Service {
    let client: PostgresClient
    let cache: HubReadCache
    let channel: String
    let logger: Logger
    /// Between attempts to listen again after the connection failed.
    var retryDelay: Duration = .seconds(1)

    /// Whether notifications flow now, so idle polls are answered from memory.
    public var isListening: Bool { cache.isTrusted }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await listenOnce() }
            } catch {
                if !Task.isShuttingDownGracefully && !Task.isCancelled {
                    logger.warning("not notified of database changes; idle polls read the database until this is back",
                                   metadata: ["setu.error": "\(String(reflecting: error))"])
                }
            }
            cache.suspend()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: retryDelay) }
        }
    }

    private func listenOnce() async throws {
        try await client.withConnection { conn in
            try await conn.listen(on: channel) { notifications in
                cache.resume()
                logger.debug("listening for database changes", metadata: ["setu.channel": "\(channel)"])
                for try await notification in notifications {
                    cache.noteCommit(Self.effect(of: notification.payload))
                }
            }
        }
    }

    /// What a notification says (see `PostgresHubStorage.createV6`): "office
    /// seq" lines, or "*". Anything unreadable empties the cache, the safe side.
    static func effect(of payload: String) -> HubReadCache.Effect {
        var positions: [(office: String, seq: Int64)] = []
        for line in payload.split(separator: "\n") {
            guard let space = line.lastIndex(of: " "), let seq = Int64(line[line.index(after: space)...]) else { return .everything }
            positions.append((String(line[..<space]), seq))
        }
        return positions.isEmpty ? .everything : .positions(positions)
    }
}
