import GRDB
import SetuCore

extension Replica {
    /// The offices this node serves, as the hub last said (nil until the
    /// first sync): only their records may be written here, since the hub
    /// would refuse any other for good.
    public var servedOffices: [String]? { served.withLock { $0 } }

    /// Stores the offices the hub says this node serves. Returns whether
    /// they changed; then every write set aside may go through now (an
    /// office granted later), so all are due to be tried again.
    @discardableResult
    public func setServedOffices(_ offices: [String]) throws -> Bool {
        let sorted = Array(Set(offices)).sorted()
        guard sorted != servedOffices else { return false }
        try pool.write { db in
            try ReplicaSchema.setMeta(db, "offices", sorted.joined(separator: "\n"))
            try db.execute(sql: "UPDATE setu_rejects SET retry_at_ms = 0")
        }
        served.withLock { $0 = sorted }
        return true
    }

    func storedServedOffices() throws -> [String]? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM setu_meta WHERE key = 'offices'")
                .map { $0.split(separator: "\n").map(String.init) }
        }
    }
}

extension WriteTransaction {
    /// Refuses a write whose record would belong to an office this node
    /// does not serve: accepted here, it would be refused by the hub forever.
    func checkScope(_ spec: CollectionSpec, _ state: RecordState) throws(ValidationError) {
        try Self.checkScope(spec, state, served: served)
    }

    static func checkScope(_ spec: CollectionSpec, _ state: RecordState, served: [String]?) throws(ValidationError) {
        guard let position = spec.officePosition, case .text(let office) = state.resolvedValue(of: spec.fields[position]) else { return }
        try checkScope(spec, office: office, served: served)
    }

    static func checkScope(_ spec: CollectionSpec, office: String, served: [String]?) throws(ValidationError) {
        guard let served, !served.contains(office) else { return }
        let list = served.isEmpty ? "no office" : served.joined(separator: ", ")
        throw ValidationError(.outOfScope, collection: spec.name, field: "office",
                              "\(office) is not an office this node serves (it serves \(list)); "
                                + "write it at the node that serves \(office), or ask the hub's operator to add it (setu-hub node set-offices)")
    }
}
