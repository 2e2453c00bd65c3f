/// A hybrid logical clock reading: physical milliseconds since the Unix epoch
/// plus a logical counter, packed into one integer.
///
/// Packing keeps clocks compact in every stored state (a varint of ~7 bytes)
/// and makes comparison a single integer comparison. 48 bits of milliseconds
/// last until the year 10889; 16 logical bits allow 65,536 events within one
/// millisecond before the clock borrows from the next millisecond.
public struct HLCTimestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let logicalBits: UInt64 = 16
    public static let maxLogical: UInt64 = (1 << logicalBits) - 1
    public static let zero = HLCTimestamp(rawValue: 0)
    /// 2025-01-01T00:00:00Z. Setu was written in 2026, so a write stamped
    /// earlier comes from a clock that was reset (a PC with a dead BIOS
    /// battery boots in 1970 or 2000) or from a forged time: such a dot is
    /// refused wherever it arrives, and a local write is never stamped before
    /// it, whatever the wall clock says.
    public static let earliestMillis: UInt64 = 1_735_689_600_000

    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(physicalMillis: UInt64, logical: UInt64 = 0) {
        precondition(logical <= HLCTimestamp.maxLogical, "logical counter out of range")
        precondition(physicalMillis < (1 << (64 - HLCTimestamp.logicalBits)), "physical time out of range")
        rawValue = (physicalMillis << HLCTimestamp.logicalBits) | logical
    }

    public var physicalMillis: UInt64 { rawValue >> HLCTimestamp.logicalBits }
    public var logical: UInt64 { rawValue & HLCTimestamp.maxLogical }

    public static func < (lhs: HLCTimestamp, rhs: HLCTimestamp) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "\(physicalMillis).\(logical)" }
}
