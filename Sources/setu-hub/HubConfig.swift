import ArgumentParser
import Foundation
import Logging
import SetuBundle
import SetuConfig
import SetuHub

/// `hub.toml`, validated. Every problem names the key, the line and the fix.
struct HubConfig {
    enum Listen: Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    enum Storage: Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    var listen: Listen
    var tlsCertificate: String?
    var tlsKey: String?
    var storage: Storage
    /// The hub's signing key for answer bundles.
    var signingKeyPath: String
    var limits: SyncLimits
    var connections: ConnectionTimeouts
    var purge: PurgeSettings
    /// How long requests in progress may run on after SIGTERM.
    var shutdownTimeout: Duration
    var logLevel: Logger.Level

    static func load(_ path: String) throws -> HubConfig {
        let file = try ConfigFile(path: path)
        let server = try file.section("server")
        let listenText = try server.string("listen") ?? "127.0.0.1:8080"
        let listen = try parseListen(listenText, section: server)
        let cert = try server.string("tls_certificate")
        let key = try server.string("tls_key")
        guard (cert == nil) == (key == nil) else {
            throw server.error(cert == nil ? "tls_key" : "tls_certificate", "TLS needs both tls_certificate and tls_key",
                               fix: "set both (PEM files), or neither to serve plain HTTP behind a TLS proxy")
        }
        var connections = ConnectionTimeouts()
        connections.idle = .seconds(Int64(try server.int("idle_timeout_seconds", range: 1...3_600) ?? 60))
        connections.header = .seconds(Int64(try server.int("header_timeout_seconds", range: 1...600) ?? 10))
        connections.body = .seconds(Int64(try server.int("body_timeout_seconds", range: 1...3_600) ?? 300))
        connections.maxConnections = try server.int("max_connections", range: 16...1_000_000) ?? connections.maxConnections
        let shutdown = try server.int("shutdown_timeout_seconds", range: 1...60) ?? 10
        try server.checkNoUnknownKeys()

        let storageSection = try file.section("storage")
        let sqlite = try storageSection.string("sqlite_path")
        let postgres = try storageSection.string("postgres_url")
        let storage: Storage
        switch (sqlite, postgres) {
        case (let path?, nil): storage = .sqlite(path: path)
        case (nil, let url?):
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw storageSection.error("postgres_url", "must start with postgres://", fix: "write postgres://user:password@host:5432/database")
            }
            storage = .postgres(url: url)
        case (nil, nil): storage = .sqlite(path: "/var/lib/setu-hub/hub.sqlite")
        case (.some, .some):
            throw storageSection.error("postgres_url", "both sqlite_path and postgres_url are set", fix: "keep exactly one of them")
        }
        let defaultKey: String
        if case .sqlite(let path) = storage {
            defaultKey = (path as NSString).deletingLastPathComponent.isEmpty ? "hub-signing.key" : (path as NSString).deletingLastPathComponent + "/hub-signing.key"
        } else {
            defaultKey = "/var/lib/setu-hub/hub-signing.key"
        }
        let signingKey = try storageSection.string("signing_key") ?? defaultKey
        try storageSection.checkNoUnknownKeys()

        let l = try file.section("limits")
        var limits = SyncLimits()
        limits.maxBodyBytes = try l.int("max_body_bytes", range: 65_536...(256 << 20)) ?? limits.maxBodyBytes
        limits.maxPushRecords = try l.int("max_push_records", range: 1...10_000) ?? limits.maxPushRecords
        limits.maxPullRecords = try l.int("max_pull_records", range: 1...10_000) ?? limits.maxPullRecords
        limits.defaultPullRecords = try l.int("default_pull_records", range: 1...limits.maxPullRecords) ?? min(limits.defaultPullRecords, limits.maxPullRecords)
        limits.maxPullBytes = try l.int("max_pull_bytes", range: 4_096...(64 << 20)) ?? limits.maxPullBytes
        limits.defaultPullBytes = try l.int("default_pull_bytes", range: 1_024...limits.maxPullBytes) ?? min(limits.defaultPullBytes, limits.maxPullBytes)
        limits.maxSkewMillis = UInt64(try l.int("max_clock_skew_seconds", range: 1...86_400 * 7) ?? 3_600) * 1_000
        limits.maxBundleBytes = try l.int("max_bundle_bytes", range: 65_536...(1 << 30)) ?? limits.maxBundleBytes
        limits.maxInFlight = try l.int("max_in_flight", range: 1...100_000) ?? limits.maxInFlight
        limits.retryAfterSeconds = try l.int("retry_after_seconds", range: 1...3_600) ?? limits.retryAfterSeconds
        try l.checkNoUnknownKeys()

        let purgeSection = try file.section("purge")
        var purge = PurgeSettings()
        purge.horizonMillis = Int64(try purgeSection.int("horizon_days", range: 1...3_650) ?? 180) * 86_400_000
        purge.interval = .seconds(Int64(try purgeSection.int("interval_minutes", range: 1...10_080) ?? 60) * 60)
        try purgeSection.checkNoUnknownKeys()

        let level = try file.logLevel()
        try file.checkNoUnknownSections()
        return HubConfig(listen: listen, tlsCertificate: cert, tlsKey: key, storage: storage, signingKeyPath: signingKey, limits: limits, connections: connections,
                         purge: purge, shutdownTimeout: .seconds(shutdown), logLevel: level)
    }

    /// The hub's signing key, made on first use; exits 1 with the problem.
    func signingKey() throws -> SigningKey {
        do {
            return try SigningKey.loadOrCreate(at: signingKeyPath)
        } catch {
            FileHandle.standardError.write(Data("setu-hub: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    static func parseListen(_ text: String, section: ConfigSection) throws -> Listen {
        if text.hasPrefix("unix:") { return .unix(path: String(text.dropFirst(5))) }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
            throw section.error("listen", "expected host:port or unix:/path (got \(text))", fix: "for example listen = \"0.0.0.0:8443\"")
        }
        return .tcp(host: String(text[..<colon]).trimmingCharacters(in: ["[", "]"]), port: port)
    }
}
