/// The canonical byte form of a `RecordState`, as stored in the replica.
///
/// Canonical means equal states encode to equal bytes: node ids, fields,
/// siblings and counter entries are written in sorted order, integers as
/// LEB128 varints. That is what lets two replicas be compared byte for byte.
/// Compact because metadata is most of a replica's size (DESIGN §7): node
/// ids are interned in a per-state table and clocks are single integers.
///
///     state   = 0x01 nodes vector fields counters
///     nodes   = n (len bytes)*            sorted by bytes
///     vector  = n (node hlc)*             sorted by node
///     fields  = n (name n (node hlc value)*)*   names sorted, siblings by dot
///     counters= n (name n (node inc dec)*)*
///     value   = 0 null | 1 false | 2 true | 3 zigzag-int | 4 len utf8
public enum StateCodec {
    public static let formatVersion: UInt8 = 1

    public static func encode(_ state: RecordState) -> [UInt8] {
        // A record names a handful of nodes: a sorted array searched linearly
        // costs less than hashing each node id into a set and a dictionary.
        let vector = state.vector.sorted
        var table = vector.map(\.node)
        let vectorNodes = table.count
        for field in state.fields {
            for s in field.siblings where !table.contains(s.dot.node) { table.append(s.dot.node) }
        }
        for counter in state.counters.values {
            for node in counter.totals.keys where !table.contains(node) { table.append(node) }
        }
        if table.count > vectorNodes { table.sort() }
        func index(_ node: NodeID) -> UInt64 { UInt64(table.firstIndex(of: node)!) }

        var out: [UInt8] = [formatVersion]
        out.reserveCapacity(1_024)
        out.appendVarint(UInt64(table.count))
        for node in table { out.appendString(node.rawValue) }
        out.appendVarint(UInt64(vector.count))
        for entry in vector {
            out.appendVarint(index(entry.node))
            out.appendVarint(entry.time.rawValue)
        }
        out.appendVarint(UInt64(state.fields.count))
        for field in state.fields {
            out.appendString(field.name)
            out.appendVarint(UInt64(field.siblings.count))
            for s in field.siblings {
                out.appendVarint(index(s.dot.node))
                out.appendVarint(s.dot.time.rawValue)
                out.appendValue(s.value)
            }
        }
        let counterNames = state.counters.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        out.appendVarint(UInt64(counterNames.count))
        for name in counterNames {
            out.appendString(name)
            let totals = state.counters[name]!.sortedTotals
            out.appendVarint(UInt64(totals.count))
            for entry in totals {
                out.appendVarint(index(entry.node))
                out.appendVarint(entry.totals.increments)
                out.appendVarint(entry.totals.decrements)
            }
        }
        return out
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(StateCodecError) -> RecordState {
        try decode(Array(bytes))
    }

    /// The same for an array: no generic copy (a page decodes thousands).
    public static func decode(_ bytes: [UInt8]) throws(StateCodecError) -> RecordState {
        try decode(bytes[...])
    }

    /// The same for a slice, read in place (a state inside a states page).
    public static func decode(_ bytes: ArraySlice<UInt8>) throws(StateCodecError) -> RecordState {
        var reader = ByteReader(bytes)
        guard try reader.byte() == formatVersion else {
            throw StateCodecError("unknown state format; this replica was written by a newer Setu")
        }
        var table: [NodeID] = []
        for _ in 0..<(try reader.count()) {
            guard let node = NodeID(rawValue: try reader.string()) else { throw StateCodecError("invalid node id") }
            table.append(node)
        }
        func node(_ i: UInt64) throws(StateCodecError) -> NodeID {
            guard i < table.count else { throw StateCodecError("node index out of range") }
            return table[Int(i)]
        }
        var entries: [VersionVector.Entry] = []
        for _ in 0..<(try reader.count()) {
            entries.append(VersionVector.Entry(node: try node(try reader.varint()), time: HLCTimestamp(rawValue: try reader.varint())))
        }
        // Written in node order; a vector out of order (not what any encoder
        // writes) is still read, and fails the canonical checks of whoever asks.
        let vector = VersionVector(sortedEntries: entries)
            ?? VersionVector(Dictionary(entries.map { ($0.node, $0.time) }, uniquingKeysWith: { max($0, $1) }))
        var fields: [RecordState.Field] = []
        for _ in 0..<(try reader.count()) {
            let name = try reader.string()
            guard fields.last.map({ RecordState.precedes($0.name, name) }) ?? true else {
                throw StateCodecError("fields out of order")
            }
            var siblings: [Sibling] = []
            for _ in 0..<(try reader.count()) {
                let dot = Dot(node: try node(try reader.varint()), time: HLCTimestamp(rawValue: try reader.varint()))
                guard siblings.last.map({ $0.dot < dot }) ?? true else { throw StateCodecError("siblings out of order") }
                siblings.append(Sibling(dot: dot, value: try reader.value()))
            }
            guard !siblings.isEmpty else { throw StateCodecError("field without values") }
            fields.append(RecordState.Field(name: name, siblings: siblings))
        }
        var counters: [String: PNCounter] = [:]
        for _ in 0..<(try reader.count()) {
            let name = try reader.string()
            var totals: [NodeID: PNCounter.Totals] = [:]
            for _ in 0..<(try reader.count()) {
                totals[try node(try reader.varint())] = PNCounter.Totals(increments: try reader.varint(), decrements: try reader.varint())
            }
            counters[name] = PNCounter(totals)
        }
        guard reader.isAtEnd else { throw StateCodecError("trailing bytes after the state") }
        return RecordState(vector: vector, sortedFields: fields, counters: counters)
    }
}

/// A stored state that cannot be decoded: the replica file was damaged or
/// written by an incompatible version.
public struct StateCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    public let detail: String
    public init(_ detail: String) { self.detail = detail }
    public var description: String { "record state: \(detail)" }
}

/// The encoder's primitives, public for the other byte forms built on the
/// same rules (the hub's states pages).
extension [UInt8] {
    /// An unsigned LEB128 varint.
    public mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    /// A varint byte count, then the UTF-8 bytes.
    public mutating func appendString(_ text: String) {
        appendVarint(UInt64(text.utf8.count))
        // A native string's bytes in one copy, not one by one.
        if text.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil {
            append(contentsOf: text.utf8)
        }
    }

    mutating func appendValue(_ value: FieldValue) {
        switch value {
        case .null: append(0)
        case .bool(let b): append(b ? 2 : 1)
        case .int(let i):
            append(3)
            appendVarint(UInt64(bitPattern: (i << 1) ^ (i >> 63)))
        case .text(let t):
            append(4)
            appendString(t)
        }
    }
}

/// Reads the varints, strings and values `StateCodec` writes; public so the
/// wire writer can turn stored bytes into JSON without decoding a state.
public struct ByteReader {
    /// Read in place: a page's states are read out of the page's own bytes.
    private let bytes: ArraySlice<UInt8>
    private var offset: Int
    /// How many bytes have been read: where the rest begins.
    public var position: Int { offset - bytes.startIndex }

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.offset = bytes.startIndex
    }

    public var isAtEnd: Bool { offset == bytes.endIndex }

    public mutating func byte() throws(StateCodecError) -> UInt8 {
        guard offset < bytes.endIndex else { throw StateCodecError("truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func varint() throws(StateCodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw StateCodecError("varint too long") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A count of following items, bounded by the bytes left so a damaged
    /// length cannot make the decoder allocate gigabytes.
    public mutating func count() throws(StateCodecError) -> Int {
        let n = try varint()
        guard n <= UInt64(bytes.endIndex - offset) else { throw StateCodecError("count past end") }
        return Int(n)
    }

    /// A string's bytes as stored, unchecked (the writer checked them).
    public mutating func stringBytes() throws(StateCodecError) -> ArraySlice<UInt8> {
        let n = try count()
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    public mutating func string() throws(StateCodecError) -> String {
        let slice = try stringBytes()
        guard let text = String(strictlyDecoding: slice) else { throw StateCodecError("invalid UTF-8") }
        return text
    }

    public mutating func value() throws(StateCodecError) -> FieldValue {
        switch try byte() {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3:
            let z = try varint()
            return .int(Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))))
        case 4: return .text(try string())
        default: throw StateCodecError("unknown value tag")
        }
    }
}
