import SetuCore

/// A failure of the replica that an operator or caller can act on.
public struct ReplicaError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let newerSchema = Code(name: "newer_schema")
        public static let nodeMismatch = Code(name: "node_mismatch")
        public static let notFound = Code(name: "not_found")
        public static let damaged = Code(name: "damaged")
        public static let rowChangedUnseen = Code(name: "row_changed_unseen")
        public static let notACounter = Code(name: "not_a_counter")
        public static let unsupportedSQLite = Code(name: "unsupported_sqlite")
        public static let notDurable = Code(name: "not_durable")
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

    /// A row changed without its capture triggers (dropped by another
    /// tool): the next engine write checks the triggers and stamps it.
    static func rowChangedUnseen(_ collection: String, _ id: String, _ error: StateCodecError) -> ReplicaError {
        ReplicaError(.rowChangedUnseen, "\(collection)/\(id): \(error.detail); the next write of this replica (setud makes one every second) "
            + "restores the triggers and takes the row as it is now as an edit")
    }

    static func unreadableState(_ collection: String, _ id: String, _ error: some Error) -> ReplicaError {
        ReplicaError(.damaged, "\(collection)/\(id): stored state unreadable (\(error)); restore the replica from a backup or re-bootstrap from the hub")
    }
}
