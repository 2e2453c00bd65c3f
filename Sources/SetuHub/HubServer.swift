import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// How the hub's HTTP server is set up: the connection limits of
/// `ConnectionTimeouts` on Hummingbird's HTTP/1.1 channel.
public enum HubServer {
    /// The HTTP/1.1 channel: idle timeout (Hummingbird's), header and body
    /// deadlines and JSON parser errors (`ConnectionGuard`), a bound on the
    /// size of request heads.
    public static func channel(_ limits: ConnectionTimeouts) -> HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(timeouts: limits)],
            idleTimeout: limits.idle,
            httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes,
                                            maxHeaderFieldCount: 100))
    }

    /// The application's configuration, with at most `maxConnections` open
    /// connections (more wait in the kernel's backlog until one closes).
    public static func configuration(address: BindAddress, limits: ConnectionTimeouts, logger: Logger) -> ApplicationConfiguration {
        ApplicationConfiguration(address: address, serverName: "setu-hub", backlog: 1_024,
                                 availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger))
    }
}
