import SetuCore
import Synchronization

/// What the SQLite hub answers an idle poll from without reading a table:
/// each office's feed head and purge floor, and node credentials.
///
/// Correct only while it sees every commit. Commits of this process go
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

        mutating func empty() {
            generation &+= 1
            heads = [:]
            purges = [:]
            credentials = [:]
        }
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    static func key(of office: String) -> String { office.hasPrefix(national) ? national : office }

    /// The head of a scope (its offices and the national range), if every part is known.
    func feedHead(_ offices: [String]) -> FeedHead? {
        state.withLock { state in
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
            guard state.generation == generation else { return }
            state.heads.merge(heads) { max($0, $1) }
            state.purges.merge(purges) { max($0, $1) }
        }
    }

    func credentials(of id: NodeID) -> Credential? { state.withLock { $0.credentials[id] } }

    /// Registered nodes only: a flood of unknown ids cannot grow the cache.
    func store(_ credential: Credential, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation, state.credentials.count < 100_000 else { return }
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
            switch effect {
            case .none: break
            case .everything: state.empty()
            case .positions(let positions):
                state.generation &+= 1
                for (office, seq) in positions {
                    let key = Self.key(of: office)
                    if let head = state.heads[key] { state.heads[key] = max(head, seq) }
                }
            }
            state.writerVersion = writerAfter
            state.probeVersion = probeVersion
        }
    }
}
