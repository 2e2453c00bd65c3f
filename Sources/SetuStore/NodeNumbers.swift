import GRDB
import SetuCore
import Synchronization

/// The numbers this replica gives the nodes its stored states name
/// (`setu_nodes`, schema v10; `NodeNumbering`): ten bytes or more of node
/// id in every state become one.
///
/// A number is given inside a write transaction and never changes or goes,
/// so once committed it holds for every connection; this keeps what was
/// committed. Off the write thread (a page prepared before its
/// transaction) only those are used, and a node without one is written out
/// by its id; the transaction numbers it when it stores the state.
final class NodeNumbers: Sendable {
    private let known = Mutex<(numbers: [NodeID: UInt64], nodes: [UInt64: NodeID])>(([:], [:]))

    /// Reads every number the file holds.
    func load(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT n, node FROM setu_nodes")
        keep(rows.compactMap { row in NodeID(rawValue: row["node"]).map { ($0, row["n"]) } })
    }

    /// Numbers committed so far, nothing else (off the write thread).
    var committed: NodeNumbering {
        NodeNumbering(number: { node in self.known.withLock { $0.numbers[node] } },
                      node: { number in self.known.withLock { $0.nodes[number] } })
    }

    /// For a read on `db`, a reader's snapshot (`Replica.read`): a number
    /// committed since `load` (by another connection or process) is read
    /// from the file, and kept.
    func reading(_ db: Database) -> NodeNumbering {
        NodeNumbering(number: { node in self.known.withLock { $0.numbers[node] } }, node: { number in
            if let node = self.known.withLock({ $0.nodes[number] }) { return node }
            guard let node = Self.node(number, in: db) else { return nil }
            self.keep([(node, number)])
            return node
        })
    }

    /// For a write transaction on `db`: a node without a number gets the
    /// next one. What it gives or reads from the file is noted in `grants`
    /// (each read once), and kept here by `keep` once committed.
    func giving(_ db: Database, _ grants: NodeGrants) -> NodeNumbering {
        NodeNumbering(number: { node in
            if let number = self.known.withLock({ $0.numbers[node] }) ?? grants.numbers[node] { return number }
            guard let number = Self.number(of: node, in: db) ?? Self.give(node, in: db) else { return nil }
            grants.note(node, number)
            return number
        }, node: { number in
            if let node = self.known.withLock({ $0.nodes[number] }) ?? grants.node(number) { return node }
            guard let node = Self.node(number, in: db) else { return nil }
            grants.note(node, number)
            return node
        })
    }

    /// Keeps numbers a committed transaction gave or read.
    func keep(_ pairs: some Sequence<(NodeID, UInt64)>) {
        known.withLock { known in
            for (node, number) in pairs {
                known.numbers[node] = number
                known.nodes[number] = node
            }
        }
    }

    /// Numbers read from the file, and given there, for one transaction
    /// or read that has no `NodeNumbers` at hand (a migration, the check of
    /// every state against its row): each read once. Before schema v10 made
    /// `setu_nodes` (migration v9), every node is written out.
    static func inFile(_ db: Database) -> NodeNumbering {
        guard (try? db.tableExists("setu_nodes")) == true else { return .none }
        return NodeNumbers().giving(db, NodeGrants())
    }

    private static func node(_ number: UInt64, in db: Database) -> NodeID? {
        guard number <= UInt64(Int64.max),
              let text = try? String.fetchOne(db.cachedStatement(sql: "SELECT node FROM setu_nodes WHERE n = ?"), arguments: [Int64(number)])
        else { return nil }
        return NodeID(rawValue: text)
    }

    private static func number(of node: NodeID, in db: Database) -> UInt64? {
        (try? Int64.fetchOne(db.cachedStatement(sql: "SELECT n FROM setu_nodes WHERE node = ?"), arguments: [node.rawValue])).flatMap { $0.map(UInt64.init) }
    }

    /// Gives `node` the next number; nil (the id is written out) if the
    /// file refuses the write, which then fails the transaction anyway.
    private static func give(_ node: NodeID, in db: Database) -> UInt64? {
        guard (try? db.execute(sql: "INSERT INTO setu_nodes (node) VALUES (?)", arguments: [node.rawValue])) != nil else { return nil }
        return UInt64(db.lastInsertedRowID)
    }
}

/// The numbers one write transaction gave or read from the file, kept by
/// `NodeNumbers` once it commits.
final class NodeGrants {
    private(set) var numbers: [NodeID: UInt64] = [:]
    private var nodes: [UInt64: NodeID] = [:]

    func note(_ node: NodeID, _ number: UInt64) {
        numbers[node] = number
        nodes[number] = node
    }

    func node(_ number: UInt64) -> NodeID? { nodes[number] }
}
