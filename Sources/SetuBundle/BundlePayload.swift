import SetuCore

/// The body of a bundle before compression: whole record states in their
/// canonical bytes (`StateCodec`, the replica's own form), and for answers
/// the records the hub refused.
///
///     entry = 0x01 str(collection) str(id) bytes(state)
///           | 0x02 str(collection) str(id) str(reason)
///     str, bytes = varint length, then the bytes
///
/// States stay in their bytes here: an office exports the blobs its replica
/// holds without decoding them, and a reader decodes one state at a time
/// as it applies it, so memory follows the bundle's size, not the far
/// larger size of decoded states.
public struct BundlePayload: Sendable {
    /// The state format bundles carry: format 1, which every release reads.
    /// A bundle may be opened by an office months behind the node that made
    /// it, and it is compressed, so format 2's savings would be small here.
    public static let stateFormat = StateFormat.v1

    /// One record: its key and its state's canonical bytes.
    public struct Entry: Hashable, Sendable {
        public let collection: String
        public let id: String
        public let state: [UInt8]

        public init(collection: String, id: String, state: [UInt8]) {
            self.collection = collection
            self.id = id
            self.state = state
        }

        /// A state as a replica or hub stores it, in the bundles' format.
        public init(collection: String, id: String, storedState: [UInt8]) throws(StateCodecError) {
            self.init(collection: collection, id: id, state: try StateCodec.transcode(storedState, to: BundlePayload.stateFormat))
        }

        /// Decoded. A payload that `SignedBundle.open` returned has had
        /// every state decoded once already.
        public func record() throws(StateCodecError) -> ReplicatedRecord {
            ReplicatedRecord(collection: collection, id: id, state: try StateCodec.decode(state))
        }
    }

    public var entries: [Entry]
    public var rejections: [Rejection]

    public init(entries: [Entry] = [], rejections: [Rejection] = []) {
        self.entries = entries
        self.rejections = rejections
    }

    public init(records: [ReplicatedRecord], rejections: [Rejection] = []) {
        self.init(entries: records.map { Entry(collection: $0.collection, id: $0.id, state: StateCodec.encode($0.state, format: Self.stateFormat)) }, rejections: rejections)
    }

    /// The records of `range`, decoded (states checked at open: cannot fail
    /// for a payload `SignedBundle.open` returned).
    public func records(_ range: Range<Int>) -> [ReplicatedRecord] {
        entries[range].map { try! $0.record() }
    }

    /// Every record, decoded one at a time as the sequence is walked.
    public var lazyRecords: LazyMapSequence<[Entry], ReplicatedRecord> { entries.lazy.map { try! $0.record() } }

    /// Every record, decoded at once (tests, small bundles).
    public var records: [ReplicatedRecord] { records(entries.indices) }

    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.reduce(64) { $0 + $1.state.count + $1.id.utf8.count + 16 })
        for entry in entries {
            out.append(1)
            out.appendBytes(Array(entry.collection.utf8))
            out.appendBytes(Array(entry.id.utf8))
            out.appendBytes(entry.state)
        }
        for rejection in rejections {
            out.append(2)
            out.appendBytes(Array(rejection.collection.utf8))
            out.appendBytes(Array(rejection.id.utf8))
            out.appendBytes(Array(rejection.reason.utf8))
        }
        return out
    }

    /// Reads what `encoded` wrote, checking every length and decoding each
    /// state once (then dropping it), so a bundle whose maker's Setu was
    /// broken is refused whole before anything of it is applied.
    init(decoding bytes: [UInt8]) throws(BundleRefusal) {
        var position = 0
        func fail(_ what: String) -> BundleRefusal { BundleRefusal(.damaged, "the payload cannot be read (\(what)); the maker's Setu is broken") }
        func varint() throws(BundleRefusal) -> Int {
            var result = 0
            var shift = 0
            while true {
                guard position < bytes.count, shift < 63 else { throw fail("length") }
                let b = bytes[position]
                position += 1
                result |= Int(b & 0x7F) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func chunk() throws(BundleRefusal) -> ArraySlice<UInt8> {
            let n = try varint()
            guard n <= bytes.count - position else { throw fail("length past the end") }
            defer { position += n }
            return bytes[position..<(position + n)]
        }
        func text() throws(BundleRefusal) -> String {
            guard let s = String(validating: try chunk(), as: UTF8.self) else { throw fail("invalid UTF-8") }
            return s
        }
        var entries: [Entry] = []
        var rejections: [Rejection] = []
        while position < bytes.count {
            let tag = bytes[position]
            position += 1
            switch tag {
            case 1:
                let entry = Entry(collection: try text(), id: try text(), state: Array(try chunk()))
                do { _ = try StateCodec.decode(entry.state) } catch { throw fail("\(entry.collection)/\(entry.id): \(error)") }
                entries.append(entry)
            case 2:
                rejections.append(Rejection(collection: try text(), id: try text(), reason: try text()))
            default:
                throw fail("unknown entry \(tag)")
            }
        }
        self.entries = entries
        self.rejections = rejections
    }
}

extension [UInt8] {
    mutating func appendBytes(_ bytes: [UInt8]) {
        var n = UInt64(bytes.count)
        while n >= 0x80 {
            append(UInt8(n & 0x7F) | 0x80)
            n >>= 7
        }
        append(UInt8(n))
        append(contentsOf: bytes)
    }
}
