/// What to do with a remote timestamp further ahead than the skew bound.
public enum SkewPolicy: Sendable {
    /// Refuse it: the caller sets the carrying state aside and reports it.
    case refuse
    /// Accept the state, but advance the local clock only to `now + bound`, so a
    /// peer with a clock set to next year cannot drag this node's clock with it.
    case clamp
}

/// A remote timestamp past the skew bound, refused under `SkewPolicy.refuse`.
public struct ClockSkewError: Error, Equatable, Sendable, CustomStringConvertible {
    public let remote: HLCTimestamp
    public let localMillis: UInt64
    public let boundMillis: UInt64

    public var aheadMillis: UInt64 { remote.physicalMillis - localMillis }

    public var description: String {
        "remote clock is \(aheadMillis / 1000) s ahead of this node, past the bound of \(boundMillis / 1000) s; "
            + "check the clock of the node that wrote it (and this one's)"
    }
}

/// The result of observing a remote timestamp.
public enum SkewObservation: Equatable, Sendable {
    case accepted
    /// The remote clock was ahead by `aheadMillis`; the local clock was held at the bound.
    case clamped(aheadMillis: UInt64)
}

/// A hybrid logical clock (Kulkarni et al.): strictly increasing per node and
/// never behind a timestamp it has accepted, yet close to wall time.
///
/// Pure: the caller passes the physical time in, so tests drive it with any
/// clock and the store persists `last` in the same transaction as the write it
/// stamped (a restart never reuses a timestamp).
public struct HybridClock: Sendable, Equatable {
    public private(set) var last: HLCTimestamp
    public let maxSkewMillis: UInt64

    /// One hour: DESIGN §4's default bound.
    public static let defaultMaxSkewMillis: UInt64 = 3_600_000

    public init(last: HLCTimestamp = .zero, maxSkewMillis: UInt64 = HybridClock.defaultMaxSkewMillis) {
        self.last = last
        self.maxSkewMillis = maxSkewMillis
    }

    /// A new timestamp for a local event, greater than every earlier one.
    public mutating func tick(nowMillis: UInt64) -> HLCTimestamp {
        let next: HLCTimestamp
        if nowMillis > last.physicalMillis {
            next = HLCTimestamp(physicalMillis: nowMillis)
        } else if last.logical < HLCTimestamp.maxLogical {
            next = HLCTimestamp(physicalMillis: last.physicalMillis, logical: last.logical + 1)
        } else {
            next = HLCTimestamp(physicalMillis: last.physicalMillis + 1)
        }
        last = next
        return next
    }

    /// Takes in a timestamp seen on a remote state, so later local writes sort after it.
    public mutating func observe(
        _ remote: HLCTimestamp, nowMillis: UInt64, policy: SkewPolicy
    ) throws(ClockSkewError) -> SkewObservation {
        let limit = nowMillis &+ maxSkewMillis
        guard remote.physicalMillis > limit else {
            if remote > last { last = remote }
            return .accepted
        }
        switch policy {
        case .refuse:
            throw ClockSkewError(remote: remote, localMillis: nowMillis, boundMillis: maxSkewMillis)
        case .clamp:
            let held = HLCTimestamp(physicalMillis: limit)
            if held > last { last = held }
            return .clamped(aheadMillis: remote.physicalMillis - nowMillis)
        }
    }

    /// Whether `remote` lies past the bound, without changing the clock.
    public func isPastBound(_ remote: HLCTimestamp, nowMillis: UInt64) -> Bool {
        remote.physicalMillis > nowMillis &+ maxSkewMillis
    }
}
