/// The identity of one local write: the node that made it and its clock reading.
///
/// All fields changed by one write share one dot. Dots order by time, then
/// node id: that order is last-writer-wins, identical on every replica.
public struct Dot: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let node: NodeID
    public let time: HLCTimestamp

    public init(node: NodeID, time: HLCTimestamp) {
        self.node = node
        self.time = time
    }

    public static func < (lhs: Dot, rhs: Dot) -> Bool {
        lhs.time != rhs.time ? lhs.time < rhs.time : lhs.node < rhs.node
    }

    public var description: String { "\(node)@\(time)" }
}
