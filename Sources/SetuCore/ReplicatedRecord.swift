/// A record as replicas exchange it: its key and its whole state. The same
/// value goes into a replica (`Replica.apply`), over the wire (SetuProtocol
/// gives it its JSON) and into the hub.
public struct ReplicatedRecord: Hashable, Sendable {
    public let collection: String
    public let id: String
    public let state: RecordState

    public init(collection: String, id: String, state: RecordState) {
        self.collection = collection
        self.id = id
        self.state = state
    }
}
