/// The stable name of one replica: an office node or the hub.
///
/// Node ids appear inside every dot and vector, so they are kept short and
/// printable; ordering them gives the deterministic tie-break of last-writer-wins.
public struct NodeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// Accepts 1–64 ASCII letters, digits and `.`, `_`, `-`, `:`; anything else is
    /// refused so a node id can be used in file names, logs and URLs unescaped.
    public init?(rawValue: String) {
        guard NodeID.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == 0x2E || b == 0x5F || b == 0x2D || b == 0x3A
        }
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        // Byte order, not locale order: every replica must sort identically.
        lhs.rawValue.precedesInByteOrder(rhs.rawValue)
    }

    public var description: String { rawValue }
}

extension NodeID: ExpressibleByStringLiteral {
    /// For tests and fixed names; traps on an invalid literal.
    public init(stringLiteral value: String) {
        guard let id = NodeID(rawValue: value) else { preconditionFailure("invalid node id literal \(value)") }
        self = id
    }
}
