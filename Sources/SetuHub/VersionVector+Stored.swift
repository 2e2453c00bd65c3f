import SetuCore

extension VersionVector {
    /// How the hub stores a vector alone (a purged tombstone's, in
    /// `forget` and `hub_purges`): as the state codec's bytes of a state
    /// holding only it, so one decoder checks both.
    var storedBytes: [UInt8] { StateCodec.encode(RecordState(vector: self)) }

    init(storedBytes bytes: some Collection<UInt8>) throws {
        self = try StateCodec.decode(Array(bytes)).vector
    }
}
