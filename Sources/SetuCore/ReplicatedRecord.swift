/// A record as replicas exchange it: its key and its whole state. The same
/// value goes into a replica (`Replica.apply`), over the wire (SetuProtocol
/// gives it its JSON) and into the hub.
public struct ReplicatedRecord: Hashable, Sendable {
    public let collection: String
    public let id: String
    public let state: RecordState
    /// `StateCodec.encode(state)`, when whoever made this record holds it
    /// already (a states page checks every state's bytes against it), so a
    /// record new to a replica is stored without encoding it again. Not
    /// part of equality: it is the state, written out. A slice of the page
    /// it came in, so a page's states are not copied one by one.
    public let encodedState: ArraySlice<UInt8>?

    public init(collection: String, id: String, state: RecordState, encodedState: ArraySlice<UInt8>? = nil) {
        self.collection = collection
        self.id = id
        self.state = state
        self.encodedState = encodedState
    }

    public static func == (a: ReplicatedRecord, b: ReplicatedRecord) -> Bool {
        a.collection == b.collection && a.id == b.id && a.state == b.state
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(collection)
        hasher.combine(id)
        hasher.combine(state)
    }
}
