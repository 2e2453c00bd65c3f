import SetuCore
import SetuProtocol

/// Bounds on what one request may carry or ask for; from `hub.toml`.
public struct SyncLimits: Sendable, Hashable {
    /// Largest request body accepted, before and after gzip decoding.
    public var maxBodyBytes: Int
    public var maxPushRecords: Int
    public var defaultPullRecords: Int
    public var maxPullRecords: Int
    /// A pull page stops growing past this many bytes of JSON.
    public var defaultPullBytes: Int
    public var maxPullBytes: Int
    /// What a node may ask for, told to it on every pull answer: an office
    /// on a fast link grows its pages up to this (fewer, larger
    /// transactions), one on 2G keeps its own small ones.
    public var pageLimits: PageLimits { PageLimits(records: maxPullRecords, bytes: maxPullBytes) }
    /// A pushed write stamped further ahead of the hub's clock is refused.
    public var maxSkewMillis: UInt64
    /// Largest bundle an office may upload for another (`POST /v1/bundles`).
    public var maxBundleBytes: Int
    /// Pushes and pulls answered at once; one more is refused with 503 and
    /// `Retry-After` (`LoadShedder`).
    public var maxInFlight: Int
    /// The `Retry-After` of that 503, in seconds: setud waits at least this.
    public var retryAfterSeconds: Int

    public init(
        maxBodyBytes: Int = 8 << 20, maxPushRecords: Int = 1_000, defaultPullRecords: Int = 500,
        maxPullRecords: Int = 5_000, defaultPullBytes: Int = 1 << 20, maxPullBytes: Int = 4 << 20,
        maxSkewMillis: UInt64 = HybridClock.defaultMaxSkewMillis, maxBundleBytes: Int = 64 << 20,
        maxInFlight: Int = 64, retryAfterSeconds: Int = 30
    ) {
        self.maxInFlight = maxInFlight
        self.retryAfterSeconds = retryAfterSeconds
        self.maxBundleBytes = maxBundleBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxPushRecords = maxPushRecords
        self.defaultPullRecords = defaultPullRecords
        self.maxPullRecords = maxPullRecords
        self.defaultPullBytes = defaultPullBytes
        self.maxPullBytes = maxPullBytes
        self.maxSkewMillis = maxSkewMillis
    }
}
