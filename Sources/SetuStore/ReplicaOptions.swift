import Foundation
import SetuCore

/// Settings of an open replica, handed in by the executable that read the config.
public struct ReplicaOptions: Sendable {
    /// Remote timestamps further ahead than this are refused or clamped.
    public var maxSkewMillis: UInt64
    public var skewPolicy: SkewPolicy
    /// Physical time in Unix milliseconds. Tests pass a controlled clock.
    public var now: @Sendable () -> UInt64
    /// How long a write waits for another process's transaction (office
    /// software holding the write lock) before failing with SQLITE_BUSY.
    public var busyTimeoutSeconds: Double
    /// The collections this node shows in its plain tables; states of
    /// others, and fields it does not declare, are kept and passed on.
    public var schema: Schema

    public init(
        maxSkewMillis: UInt64 = HybridClock.defaultMaxSkewMillis,
        skewPolicy: SkewPolicy = .refuse,
        busyTimeoutSeconds: Double = 5,
        schema: Schema = .current,
        now: @escaping @Sendable () -> UInt64 = ReplicaOptions.systemMillis
    ) {
        self.maxSkewMillis = maxSkewMillis
        self.skewPolicy = skewPolicy
        self.busyTimeoutSeconds = busyTimeoutSeconds
        self.schema = schema
        self.now = now
    }

    public static let systemMillis: @Sendable () -> UInt64 = {
        UInt64(max(0, (Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
