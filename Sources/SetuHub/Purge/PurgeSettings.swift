/// When the hub purges tombstones (`[purge]` in hub.toml).
public struct PurgeSettings: Hashable, Sendable {
    /// A node or integration not seen for longer than this no longer holds
    /// purges back; when it comes back it re-bootstraps. 180 days: an
    /// office closed for a season, a PC in repair, still syncs on as before.
    public var horizonMillis: Int64 = 180 * 86_400_000
    /// How often `setu-hub serve` purges.
    public var interval: Duration = .seconds(3_600)

    public init() {}
}
