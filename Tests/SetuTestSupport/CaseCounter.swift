import Foundation

/// Counts the cases a property test ran (from several threads), so the
/// test can check it ran as many as it asked for.
public final class CaseCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    public init() {}

    public func increment() { lock.withLock { count += 1 } }
    public var value: Int { lock.withLock { count } }
}
