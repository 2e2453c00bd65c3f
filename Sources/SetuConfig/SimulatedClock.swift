import Foundation

/// `SETU_SIMULATE_CLOCK_OFFSET_SECONDS=N` runs setud's replica as if this
/// PC's clock were N seconds off (negative: behind), for drills and for the
/// clock tests: what the replica stamps and checks by, and the skew it
/// measures against the hub, move by N; nothing else does. setu-hub reads
/// it too (serve and purge): the times it notes of nodes and judges the
/// purge horizon by move by N (not the `Date` header, which the HTTP server
/// writes), so a test can show a node away for months.
///
/// An environment variable rather than libfaketime: under libfaketime the
/// Swift runtime's timers stop firing (the wall clock and the timers' clock
/// disagree), so setud neither syncs on its timer nor stops on SIGTERM. The
/// variable can do no harm a wrong clock cannot: Setu corrects for both.
public enum SimulatedClock {
    public static let variable = "SETU_SIMULATE_CLOCK_OFFSET_SECONDS"

    public static let systemMillis: @Sendable () -> UInt64 = {
        UInt64(max(0, (Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    public static func now(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> @Sendable () -> UInt64 {
        guard let text = environment[variable], !text.isEmpty else { return systemMillis }
        guard let seconds = Int64(text), seconds.magnitude < 100 * 365 * 86_400 else {
            throw SimulatedClockError(text: text)
        }
        let offset = seconds * 1000
        return { UInt64(max(0, Int64(systemMillis()) + offset)) }
    }
}

public struct SimulatedClockError: Error, CustomStringConvertible {
    let text: String
    public var description: String {
        "\(SimulatedClock.variable)=\(text) is not a whole number of seconds within 100 years; unset it, or give e.g. -630720000 for 20 years behind"
    }
}
