import NIOCore

/// The hub's connection limits, from `[server]` in `hub.toml`.
public struct ConnectionTimeouts: Sendable, Hashable {
    /// A connection with no request in progress is closed after this.
    public var idle: TimeAmount
    /// From a request's first byte to the end of its headers.
    public var header: TimeAmount
    /// From the end of the headers to the end of the body. Generous: a
    /// 1 MiB push page over a 2G link (~5 KB/s gzipped) takes about a minute.
    public var body: TimeAmount
    /// Most connections open at once; past it new ones wait in the kernel's
    /// backlog. Keep it below the process's descriptor limit.
    public var maxConnections: Int
    /// Largest request head (all header lines).
    public var maxHeaderBytes: Int

    public init(idle: TimeAmount = .seconds(60), header: TimeAmount = .seconds(10), body: TimeAmount = .seconds(300),
                maxConnections: Int = 4_096, maxHeaderBytes: Int = 16 * 1024) {
        self.idle = idle
        self.header = header
        self.body = body
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
    }
}

extension ConnectionTimeouts {
    /// Descriptors kept for everything but client sockets: the database
    /// files and their WAL, PostgreSQL connections (16), the listener, logs.
    public static let reservedDescriptors = 64

    /// The limits with `maxConnections` lowered below `descriptorLimit` (the
    /// process's RLIMIT_NOFILE) when it does not fit: past the limit `accept`
    /// fails and the hub can answer nobody, its health check included.
    public func fitting(descriptorLimit: Int) -> ConnectionTimeouts {
        var fitted = self
        fitted.maxConnections = max(1, min(maxConnections, descriptorLimit - Self.reservedDescriptors))
        return fitted
    }
}

extension TimeAmount {
    var seconds: Int64 { nanoseconds / 1_000_000_000 }
}
