import SetuCore

/// The hub's storage: one seam, two implementations (SQLite for one
/// machine, PostgreSQL for several hub processes over one database).
///
/// Backends store and order; the rules (scope, forgery, merge) live in
/// `SyncService`, once, above them.
public protocol HubStorage: Sendable {
    /// Creates or upgrades the schema.
    func migrate() async throws

    func addNode(_ node: HubNode, tokenHash: [UInt8]) async throws
    /// Registers many nodes in one transaction: all of them, or none when
    /// any id is taken already (the error names them).
    func addNodes(_ nodes: [(node: HubNode, tokenHash: [UInt8])]) async throws
    func nodes() async throws -> [HubNode]
    /// Changes what `change` sets (token hash, offices, revoked) of one
    /// node, at once for every later request; false if there is no such node.
    func updateNode(_ id: NodeID, _ change: AccountChange) async throws -> Bool
    /// The node and its token hash, to check a presented token.
    func credentials(of id: NodeID) async throws -> (node: HubNode, tokenHash: [UInt8])?

    /// In one transaction: loads the stored states of `keys`, asks `decide`
    /// what to write (it may throw to refuse everything), and stores each
    /// write at the next feed position. Positions become visible to readers
    /// in order: no reader ever sees position n+1 before position n.
    ///
    /// `headIn`: also read, under the same feed lock and before the writes,
    /// the feed head of these offices (the pusher's), so the hub can tell the
    /// pusher whether the positions the writes took are all that lies past
    /// its pull cursor (`SyncService.cursorAfterPush`).
    func push(keys: [RecordKey], headIn scope: [String]?,
              decide: @Sendable ([RecordKey: HubStoredState]) throws -> [HubWrite]) async throws -> HubPushPositions

    /// Changes after `cursor` visible to a node serving `offices` (plus
    /// national records), at most `limit`, in feed order.
    func feed(offices: [String], after cursor: Int64, limit: Int) async throws -> [HubFeedRow]

    /// The latest feed position a node serving `offices` can see, and the
    /// highest floor a purge in those offices used (one query: every idle
    /// poll asks it).
    func feedHead(offices: [String]) async throws -> FeedHead

    // MARK: Purge

    /// Offices holding a tombstone, a purge notice or a record still
    /// carrying one: where a purge may have work.
    func purgeCandidates() async throws -> [String]
    /// In one transaction, per office: tombstones at or below its floor
    /// become purge notices at new feed positions (the record's state is
    /// dropped, its vector kept as what nodes must forget); notices at or
    /// below it are dropped; records at or below it stop carrying one. A nil
    /// floor (no node may still need them) stands for the feed's head.
    func purge(floors: [String: Int64?]) async throws -> PurgeOutcome
    /// What purges in `offices` (plus national offices) forgot: the join of
    /// the purged tombstones' vectors per office.
    func purgedVectors(offices: [String]) async throws -> [String: VersionVector]
    /// Notes an integration's catalogue read: the cursor it came with (what
    /// it holds), when, and the purge floor its answer was consistent with.
    func noteCatalogueRead(_ name: String, cursor: Int64, atMillis: Int64, through: Int64) async throws
    /// Every integration's last catalogue read, by name.
    func catalogueReads() async throws -> [String: CatalogueRead]

    // MARK: Fleet

    /// Writes activity folded by `FleetRecorder`, merged with what is stored
    /// by the same rule as `NodeActivity.absorb` (so hubs may write in any order).
    func recordActivity(_ batch: [NodeActivity]) async throws
    /// Every registered node with what the hub saw of it; its lag counted
    /// only when `lag` (a count per office, so not for every metrics scrape).
    func fleet(lag: Bool) async throws -> [FleetNode]
    /// One node's entry, with its lag.
    func fleetNode(_ id: NodeID) async throws -> FleetNode?

    // MARK: Catalogue

    /// Registers an integration; refuses a name taken already.
    func addIntegration(_ integration: HubIntegration, tokenHash: [UInt8]) async throws
    func integrations() async throws -> [HubIntegration]
    /// False if there is no such integration.
    func updateIntegration(_ name: String, _ change: AccountChange) async throws -> Bool
    func integrationCredentials(of name: String) async throws -> (integration: HubIntegration, tokenHash: [UInt8])?

    /// Products after `cursor` in `offices` (plus national ones), at most
    /// `limit`, in feed order: the same positions and visibility rule as
    /// `feed`, so a catalogue cursor never skips a late commit either.
    func catalogue(offices: [String], after cursor: Int64, limit: Int) async throws -> [HubFeedRow]
    /// One record's stored state, or nil.
    func storedState(of key: RecordKey) async throws -> HubStoredState?
    /// In one transaction: when `sale`'s integration recorded the same
    /// order id before, returns that sale and its product and writes
    /// nothing; otherwise loads the product, asks `decide` for the write (it
    /// may throw to refuse), stores it at the next feed position, keeps the
    /// sale, and returns the product as written.
    func recordSale(_ sale: RecordedSale, decide: @Sendable (HubStoredState?) throws -> HubWrite) async throws -> SaleRecording

    // MARK: Bundles

    /// The public signing key the hub holds for a node (nil: none). It is
    /// cleared when the node is revoked.
    func publicKey(of id: NodeID) async throws -> [UInt8]?
    /// Stores a node's key: always when `replace` (enrolment, `node
    /// set-key`), else only when it has none (its first network sync).
    /// Returns the key held afterwards.
    func setPublicKey(_ key: [UInt8], of id: NodeID, replace: Bool) async throws -> [UInt8]?
    func bundleLedger(of id: NodeID) async throws -> BundleLedger
    /// Notes a bundle taken in, if its number is above the last one's;
    /// false when another import of it (or a later one) came first.
    func recordImportedBundle(of id: NodeID, seq: Int64, held: Int64, through: Int64, rejections: [Rejection]) async throws -> Bool
    /// Counts and returns the next answer number for a node.
    func nextAnswerSeq(of id: NodeID) async throws -> Int64

    // MARK: Admins

    func addAdmin(_ admin: HubAdmin, tokenHash: [UInt8]) async throws
    func admins() async throws -> [HubAdmin]
    /// False if there is no such admin.
    func revokeAdmin(_ name: String) async throws -> Bool
    func adminCredentials(of name: String) async throws -> (admin: HubAdmin, tokenHash: [UInt8])?
}

extension HubStorage {
    /// The latest feed position a node serving `offices` can see.
    public func head(offices: [String]) async throws -> Int64 {
        try await feedHead(offices: offices).seq
    }

    public func addNode(_ node: HubNode, tokenHash: [UInt8]) async throws {
        try await addNodes([(node, tokenHash)])
    }
}

/// Where a push's writes went in the feed (`HubStorage.push`).
public struct HubPushPositions: Sendable {
    /// The feed head in the asked scope just before the writes (nil: not asked).
    public let headBefore: FeedHead?
    /// The last position the writes took (nil: nothing was written).
    public let lastSeq: Int64?

    public init(headBefore: FeedHead?, lastSeq: Int64?) {
        self.headBefore = headBefore
        self.lastSeq = lastSeq
    }
}

/// A changed state to store. `origin` is the node whose pushed state equals
/// the stored one, so the feed does not send it back there.
public struct HubWrite: Sendable {
    public let key: RecordKey
    public let office: String
    public let state: RecordState
    public let origin: NodeID?
}

public struct RecordKey: Hashable, Sendable {
    public let collection: String
    public let id: String

    public init(collection: String, id: String) {
        self.collection = collection
        self.id = id
    }
}

/// A record's stored state; a purged record has none (`storedState` and
/// the states a push merges with leave it out).
public struct HubStoredState: Sendable {
    public let office: String
    public let state: RecordState
}

public struct HubFeedRow: Sendable {
    public let seq: Int64
    public let key: RecordKey
    public let office: String
    /// The state as stored (`StateCodec`), kept as bytes: a pull page
    /// writes them to the wire without decoding them (`RecordWireWriter`).
    /// Empty: a purge notice (the record is purged).
    public let encodedState: [UInt8]
    public let origin: NodeID?
    /// The vector of a tombstone purged at this key, which nodes must
    /// forget before they merge the state (until every node has passed it).
    public let forget: VersionVector?

    public init(seq: Int64, key: RecordKey, office: String, encodedState: [UInt8], origin: NodeID?, forget: VersionVector? = nil) {
        self.seq = seq
        self.key = key
        self.office = office
        self.encodedState = encodedState
        self.origin = origin
        self.forget = forget
    }

    public var isPurgeNotice: Bool { encodedState.isEmpty }

    /// The state decoded; nil for a purge notice.
    public func state() throws -> RecordState? {
        isPurgeNotice ? nil : try StateCodec.decode(encodedState)
    }
}
