import SetuCore
import Synchronization

/// What a hub answers an idle poll from without reading a table: each
/// office's feed head and purge floor, and node credentials.
///
/// Correct only while it sees every commit. On PostgreSQL other hubs write
/// the same database, so the cache is used only while notifications of
/// every commit arrive (`PostgresChangeListener`: `resume`, `noteCommit`,
/// `suspend`). On SQLite commits of this process go
/// through `SQLiteHubStorage.write`, which tells the cache what changed
/// (`noteOwnWrite`). Commits of other processes (`setu-hub node revoke`,
/// `bundle import`, `purge` run beside `serve`) are seen through SQLite's
/// `PRAGMA data_version`, which changes when another connection commits:
/// read on a connection of its own before each answer (`check`), and on the
/// writer around each write of ours. Any commit not accounted for empties
/// the cache, which then fills again from the database.
///
/// A value read from the database is kept only if no write was noted
/// while it was read (`generation`): a read that raced a push never
/// overwrites the push's newer head.
final class HubReadCache: Sendable {
    /// The key under which national records (`all:…` offices) are kept: one range for every node.
    static let national = "all:"

    typealias Credential = (node: HubNode, tokenHash: [UInt8])

    /// What one of our writes changed.
    enum Effect: Sendable {
        /// Nothing the cache holds (fleet activity, admin accounts).
        case none
        /// New feed positions in these offices.
        case positions([(office: String, seq: Int64)])
        /// Anything (nodes, purges, sales): the cache is emptied.
        case everything
    }

    private struct State {
        var generation: UInt64 = 0
        var heads: [String: Int64] = [:]
        var purges: [String: Int64] = [:]
        var credentials: [NodeID: Credential] = [:]
        /// `data_version` of the probe connection as of our last write or check.
        var probeVersion: Int64?
        /// `data_version` of the writer after our last write.
        var writerVersion: Int64?
        /// False while commits could go unseen (no notifications on
        /// PostgreSQL): nothing is answered from memory, nothing kept.
        var trusted: Bool

        mutating func empty() {
            generation &+= 1
            heads = [:]
            purges = [:]
            credentials = [:]
        }

        mutating func apply(_ effect: Effect) {
            switch effect {
            case .none: break
            case .everything: empty()
            case .positions(let positions):
                generation &+= 1
                for (office, seq) in positions {
                    let key = HubReadCache.key(of: office)
                    if let head = heads[key] { heads[key] = max(head, seq) }
                }
            }
        }
    }

    private let state: Mutex<State>
    /// Lookups that had to read the database (the cache did not know).
    private let misses = Atomic<Int>(0)
    var missCount: Int { misses.load(ordering: .relaxed) }

    /// `trusted`: whether every commit is seen from the start (SQLite:
    /// `data_version` is read before each answer), or only once `resume` says so.
    init(trusted: Bool = true) {
        state = Mutex(State(trusted: trusted))
    }

    var generation: UInt64 { state.withLock { $0.generation } }

    static func key(of office: String) -> String { office.hasPrefix(national) ? national : office }

    /// The head of a scope (its offices and the national range), if every part is known.
    func feedHead(_ offices: [String]) -> FeedHead? {
        state.withLock { state in
            guard state.trusted else { return nil }
            var seq: Int64 = 0, through: Int64 = 0
            for key in offices + [Self.national] {
                guard let head = state.heads[key], let floor = state.purges[key] else { return nil }
                seq = max(seq, head)
                through = max(through, floor)
            }
            return FeedHead(seq: seq, purgedThrough: through)
        }
    }

    /// Heads and floors read from the database (keyed by `key(of:)`), kept
    /// if nothing was written since `generation` was taken.
    func store(heads: [String: Int64], purges: [String: Int64], readAt generation: UInt64) {
        state.withLock { state in
            guard state.trusted, state.generation == generation else { return }
            state.heads.merge(heads) { max($0, $1) }
            state.purges.merge(purges) { max($0, $1) }
        }
    }

    func credentials(of id: NodeID) -> Credential? { state.withLock { $0.trusted ? $0.credentials[id] : nil } }

    /// Registered nodes only: a flood of unknown ids cannot grow the cache.
    func store(_ credential: Credential, readAt generation: UInt64) {
        state.withLock { state in
            guard state.trusted, state.generation == generation, state.credentials.count < 100_000 else { return }
            state.credentials[credential.node.id] = credential
        }
    }

    /// Before answering from the cache: the probe connection's
    /// `data_version`. A change we did not make empties the cache.
    func check(probeVersion: Int64) {
        state.withLock { state in
            guard state.probeVersion != probeVersion else { return }
            state.empty()
            state.probeVersion = probeVersion
        }
    }

    /// After one of our commits, still holding the writer: the writer's
    /// `data_version` before and after it (either differing from what we
    /// last saw means another process committed), and the probe's, which
    /// now counts our commit too.
    func noteOwnWrite(_ effect: Effect, writerBefore: Int64, writerAfter: Int64, probeVersion: Int64) {
        state.withLock { state in
            if state.writerVersion != writerBefore || writerAfter != writerBefore { state.empty() }
            state.apply(effect)
            state.writerVersion = writerAfter
            state.probeVersion = probeVersion
        }
    }

    // MARK: Read-through, for both backends

    /// The credentials of `id` from memory, else `read` once and kept.
    func credentials(of id: NodeID, reading read: () async throws -> Credential?) async rethrows -> Credential? {
        if let known = credentials(of: id) { return known }
        let generation = self.generation
        misses.add(1, ordering: .relaxed)
        let found = try await read()
        if let found { store(found, readAt: generation) }
        return found
    }

    /// The head of a scope from memory when every part is known; else
    /// `read` gets the head and floor of each office key (`key(of:)`, the
    /// national one included), and they are kept.
    func feedHead(_ offices: [String], reading read: ([String]) async throws -> (heads: [String: Int64], purges: [String: Int64])) async rethrows -> FeedHead {
        if let head = feedHead(offices) { return head }
        let generation = self.generation
        misses.add(1, ordering: .relaxed)
        let (heads, purges) = try await read(Set(offices.map(Self.key(of:)) + [Self.national]).sorted())
        store(heads: heads, purges: purges, readAt: generation)
        return FeedHead(seq: heads.values.max() ?? 0, purgedThrough: purges.values.max() ?? 0)
    }

    // MARK: Notified commits (PostgreSQL)

    /// A commit we were told of (a notification, or one of our own just
    /// committed): heads move, or everything goes.
    func noteCommit(_ effect: Effect) {
        state.withLock { $0.apply(effect) }
    }

    /// Notifications flow from now on: what was kept before may have
    /// missed commits, so it goes, and answers are kept again.
    func resume() {
        state.withLock { state in
            state.empty()
            state.trusted = true
        }
    }

    /// Notifications stopped (the listening connection failed): nothing is
    /// answered from memory until `resume`.
    func suspend() {
        state.withLock { state in
            state.empty()
            state.trusted = false
        }
    }

    var isTrusted: Bool { state.withLock { $0.trusted } }
}
