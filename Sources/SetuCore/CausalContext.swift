/// What a state has seen, without its values: its vector and its counters.
///
/// That is all `RecordState.subsumes` compares, so it is all a replica needs
/// of a state that an edit made elsewhere replaces: most of what a catch-up
/// brings. `StateCodec.causalContext(ofStored:numbering:rowBytes:)` reads it
/// from stored bytes without building the values, which cost more than the
/// rest of storing such an edit.
public struct CausalContext: Hashable, Sendable {
    public let vector: VersionVector
    public let counters: [String: PNCounter]

    public init(of state: RecordState) {
        self.init(vector: state.vector, counters: state.counters)
    }

    init(vector: VersionVector, counters: [String: PNCounter]) {
        self.vector = vector
        self.counters = counters
    }

    /// Whether `state` carries nothing this context has not seen.
    public func subsumes(_ state: RecordState) -> Bool {
        RecordState.hasSeen(vector, counters, all: state.vector, state.counters)
    }
}

extension RecordState {
    /// Whether this state has seen everything the state `context` came from had.
    public func subsumes(_ context: CausalContext) -> Bool {
        RecordState.hasSeen(vector, counters, all: context.vector, context.counters)
    }
}
