/// When to try again after failures: exponential, capped, with jitter so a
/// district's offices coming back online together do not hit the hub in step.
/// Pure: the caller supplies the randomness.
public struct Backoff: Sendable, Hashable {
    public var baseSeconds: Double
    public var maxSeconds: Double

    public init(baseSeconds: Double = 5, maxSeconds: Double = 900) {
        self.baseSeconds = baseSeconds
        self.maxSeconds = maxSeconds
    }

    /// The wait after `failures` consecutive failures (1 = the first), with
    /// `jitter` in 0…1 choosing a point in the upper half of the window.
    ///
    /// `retryAfter`: what the hub asked for (`Retry-After` of a 503 when it
    /// sheds load). The wait is never shorter, and gets jitter of its own
    /// (up to a quarter more), so the offices it sent away together do not
    /// come back together.
    public func delay(afterFailures failures: Int, jitter: Double, retryAfter: Double? = nil) -> Double {
        let own = exponential(afterFailures: failures, jitter: jitter)
        guard let retryAfter, retryAfter > 0 else { return own }
        return max(own, retryAfter * (1 + 0.25 * min(max(jitter, 0), 1)))
    }

    private func exponential(afterFailures failures: Int, jitter: Double) -> Double {
        guard failures > 0 else { return 0 }
        let exponent = min(failures - 1, 30)
        let window = min(maxSeconds, baseSeconds * Double(1 << exponent))
        return window * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }
}
