/// The collections a node knows, and the number of that declaration.
///
/// Why a value and not only the compiled-in `Collections`: a fleet of
/// thousands upgrades one PC at a time, so nodes speaking different
/// declarations meet every day. Each replica and hub holds the schema it
/// speaks; states carrying fields or collections it does not know are kept
/// and merged by the same rules (the merge needs no types), passed on byte
/// for byte, and left out of its plain tables (docs/SCHEMA-CHANGES.md). Tests
/// hand a newer schema to some nodes to play a mixed fleet.
public struct Schema: Hashable, Sendable {
    /// Grows by one with every release that changes a declaration; sent on
    /// the wire (`Setu-Schema`) so each end knows what the other shows.
    public let version: Int
    public let collections: [CollectionSpec]
    /// Siblings kept per field (`RecordState.capped(at:)`). The same on
    /// every node of a fleet: it decides which values a merge keeps, so it
    /// is no compatible change (docs/SCHEMA-CHANGES.md). Tests lower it to
    /// reach it with a few replicas.
    public let siblingCap: Int

    public init(version: Int, collections: [CollectionSpec], siblingCap: Int = RecordState.defaultSiblingCap) {
        precondition(siblingCap >= 1, "a field keeps at least one value")
        precondition(version >= 1, "schema versions start at 1")
        precondition(Set(collections.map(\.name)).count == collections.count, "two collections share a name")
        precondition(collections.allSatisfy { $0.officePosition != nil }, "every collection needs an office field")
        self.version = version
        self.collections = collections
        self.siblingCap = siblingCap
    }

    /// What this build declares (`Collections`).
    public static let current = Schema(version: Collections.schemaVersion, collections: Collections.all)

    public func named(_ name: String) -> CollectionSpec? {
        collections.first { $0.name == name }
    }

    /// Why a peer's record of collection `name` cannot be kept, or nil: a
    /// collection this schema does not declare is a newer release's and is
    /// kept, as long as its name is one a release could declare.
    public func refusal(ofCollection name: String) -> String? {
        named(name) != nil || FieldSpec.isValidName(name) ? nil : "unknown collection (not a collection name)"
    }

    /// The declaration of `name`, or the error a local write gets for a
    /// collection this node does not know.
    public func collection(_ name: String) throws(ValidationError) -> CollectionSpec {
        guard let spec = named(name) else {
            throw ValidationError(.unknownCollection, collection: name,
                                  "no such collection; the collections are \(collections.map(\.name).joined(separator: ", "))")
        }
        return spec
    }

    /// A newer schema: these collections with `fields` added at the end of
    /// their declarations, and `added` collections after them.
    public func adding(version: Int, fields: [String: [FieldSpec]] = [:], collections added: [CollectionSpec] = []) -> Schema {
        Schema(version: version, collections: collections.map { spec in
            guard let extra = fields[spec.name] else { return spec }
            return CollectionSpec(name: spec.name, fields: spec.fields + extra)
        } + added, siblingCap: siblingCap)
    }

    /// This schema with another sibling cap (tests reach it with few replicas).
    public func withSiblingCap(_ cap: Int) -> Schema {
        Schema(version: version, collections: collections, siblingCap: cap)
    }
}
