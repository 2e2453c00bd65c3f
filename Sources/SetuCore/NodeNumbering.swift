/// How a replica's stored form names nodes: by numbers the replica gives
/// them (`setu_nodes`, from 1), where a state in format 2 spells each node
/// id out (issue 14: "node ids interned per replica"). A record names one
/// to a few nodes, each id ten bytes or more, in every state.
///
/// Either side may not know a node: `number` nil writes the id out (a node
/// first met off the write thread, where no number can be given), and the
/// stored form says which it did, entry by entry. Used while one state is
/// encoded or decoded, never kept.
public struct NodeNumbering {
    /// The node's number, nil when it has none (yet).
    public let number: (NodeID) -> UInt64?
    /// The node a number stands for, nil when the replica gave it none.
    public let node: (UInt64) -> NodeID?

    public init(number: @escaping (NodeID) -> UInt64?, node: @escaping (UInt64) -> NodeID?) {
        self.number = number
        self.node = node
    }

    /// No numbers: every node written out (tests, and readers of a stored
    /// state that names its nodes).
    public static var none: NodeNumbering { NodeNumbering(number: { _ in nil }, node: { _ in nil }) }
}
