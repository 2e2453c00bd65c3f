import SetuCore

/// A failure of the replica that an operator or caller can act on.
public struct ReplicaError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let newerSchema = Code(name: "newer_schema")
        public static let nodeMismatch = Code(name: "node_mismatch")
        public static let notFound = Code(name: "not_found")
        public static let damaged = Code(name: "damaged")
        public static let notACounter = Code(name: "not_a_counter")
        public static let unsupportedSQLite = Code(name: "unsupported_sqlite")
        public var description: String { name }
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }

    static func notFound(_ collection: String, _ id: String) -> ReplicaError {
        ReplicaError(.notFound, "\(collection)/\(id): no such record (or it is deleted)")
    }

    static func unreadableState(_ collection: String, _ id: String, _ error: some Error) -> ReplicaError {
        ReplicaError(.damaged, "\(collection)/\(id): stored state unreadable (\(error)); restore the replica from a backup or re-bootstrap from the hub")
    }
}
