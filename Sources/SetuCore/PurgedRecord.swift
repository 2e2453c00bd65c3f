/// A record the hub has forgotten: a deletion every node in its office
/// acknowledged, purged after its tombstone (DESIGN §5, tombstone purge).
///
/// `vector` is the purged tombstone's version vector. A node drops its own
/// state of the record when the vector dominates that state's: everything
/// it held was part of the deletion. A state that has seen more (a local
/// write after the deletion, not yet pushed) is kept, and its push brings
/// the record back as a new one.
public struct PurgedRecord: Hashable, Sendable {
    public let collection: String
    public let id: String
    public let vector: VersionVector

    public init(collection: String, id: String, vector: VersionVector) {
        self.collection = collection
        self.id = id
        self.vector = vector
    }

    /// Whether a node holding `state` of this record drops it.
    public func covers(_ state: RecordState) -> Bool {
        vector.dominates(state.vector)
    }
}
