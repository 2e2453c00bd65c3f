import SetuProtocol
import Synchronization

/// A `PageSizer` kept by the sync engine across its syncs, so a catch-up on
/// a link already measured starts at the page size the last sync reached,
/// not at the configured one. Read and fed by the engine's fetch tasks.
public final class SharedPageSizer: Sendable {
    private let sizer: Mutex<PageSizer>

    public init(_ sizer: PageSizer) {
        self.sizer = Mutex(sizer)
    }

    public var current: PageLimits { sizer.withLock { $0.current } }

    func next(page: Int) -> PageLimits { sizer.withLock { $0.next(page: page) } }

    func observe(asked: PageLimits, records: Int, bytes: Int, seconds: Double, hubLimits: PageLimits?) {
        sizer.withLock { $0.observe(asked: asked, records: records, bytes: bytes, seconds: seconds, hubLimits: hubLimits) }
    }
}
