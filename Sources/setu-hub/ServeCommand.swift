import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import SetuHub

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the sync API until SIGTERM or SIGINT.")

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try options.load()
        let logger = HubRuntime.logger(level: config.logLevel)
        let metrics = HubMetrics()
        var services: [any Service] = []
        let storage: any HubStorage
        switch config.storage {
        case .sqlite(let path):
            storage = try SQLiteHubStorage(path: path)
        case .postgres(let url):
            let client = try PostgresHubStorage.makeClient(url: url, logger: logger)
            services.append(client)
            let postgres = PostgresHubStorage(client: client, logger: logger)
            // After the client, so it stops first; idle polls are answered
            // from memory while it hears the database's commits.
            services.append(postgres.changeListener)
            storage = postgres
        }
        let now = try HubRuntime.clock()
        let service = SyncService(storage: storage, limits: config.limits, metrics: metrics, logger: logger, now: now)
        // After the PostgreSQL client: services stop in reverse order, so the
        // recorder's last flush at shutdown still has its database.
        services.append(service.recorder)
        services.append(Purger(storage: storage, settings: config.purge, metrics: metrics, logger: logger, now: now))
        let router = HubRouter.make(service: service, metrics: metrics, secureCookies: config.tlsCertificate != nil,
                                    signingKey: try config.signingKey())
        let address: BindAddress
        switch config.listen {
        case .tcp(let host, let port): address = .hostname(host, port: port)
        case .unix(let path): address = .unixDomainSocket(path: path)
        }
        let connections = config.connections.fitting(descriptorLimit: Self.descriptorLimit())
        if connections.maxConnections < config.connections.maxConnections {
            logger.notice("max_connections lowered to fit the descriptor limit; raise LimitNOFILE= in setu-hub.service to allow more",
                          metadata: ["setu.max_connections": "\(connections.maxConnections)", "setu.descriptor_limit": "\(Self.descriptorLimit())"])
        }
        var server: HTTPServerBuilder = .http1(configuration: HubServer.channel(connections))
        if let cert = config.tlsCertificate, let key = config.tlsKey {
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            server = try .tls(.http1(configuration: HubServer.channel(connections)), tlsConfiguration: tls)
        }
        var app = Application(
            router: router, server: server,
            configuration: HubServer.configuration(address: address, limits: connections, logger: logger),
            onServerRunning: { channel in
                logger.notice("setu-hub serving", metadata: ["setu.address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            },
            logger: logger)
        app.beforeServerStarts { try await storage.migrate() }
        // Services stop in reverse order: the server first (within the
        // configured bound), then the recorder's last flush, then the
        // PostgreSQL client. The group's own bound is the backstop, still
        // below TimeoutStopSec (15 s in setu-hub.service).
        services.append(ShutdownDeadline(service: app, bound: config.shutdownTimeout, logger: logger))
        var group = ServiceGroupConfiguration(services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = config.shutdownTimeout + .seconds(3)
        group.maximumCancellationDuration = .seconds(1)
        try await ServiceGroup(configuration: group).run()
    }

    /// The soft RLIMIT_NOFILE: systemd gives a unit 1,024 unless
    /// `LimitNOFILE=` says otherwise.
    static func descriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < UInt(Int32.max) else { return Int(Int32.max) }
        return Int(limit.rlim_cur)
    }
}

import Foundation
