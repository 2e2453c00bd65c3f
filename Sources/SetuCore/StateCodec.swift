/// The canonical byte form of a `RecordState`, as stored in the replica
/// and the hub.
///
/// Canonical means equal states encode to equal bytes in a given format:
/// node ids, fields, siblings and counter entries are written in sorted
/// order, integers as LEB128 varints. That is what lets two replicas be
/// compared byte for byte. Compact because metadata is most of a replica's
/// size (DESIGN §7): node ids are interned in a per-state table and clocks
/// are single integers. The first byte names the format (`StateFormat`);
/// the layouts are in `StateCodec+Format1` and `StateCodec+Format2`.
public enum StateCodec {
    public static func encode(_ state: RecordState, format: StateFormat = .current) -> [UInt8] {
        switch format {
        case .v1: encodeFormat1(state)
        case .v2: encodeFormat2(state)
        }
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
        let state: RecordState
        switch StateFormat(rawValue: try reader.byte()) {
        case .v1: state = try decodeFormat1(&reader)
        case .v2: state = try decodeFormat2(&reader)
        case nil:
            guard !isRowBacked(bytes) else { throw StateCodecError("its values are in its plain row: read it through its replica") }
            throw StateCodecError("unknown state format; it was written by a newer Setu: upgrade this node")
        }
        guard reader.isAtEnd else { throw StateCodecError("trailing bytes after the state") }
        return state
    }

    /// Bytes in `format`, copied when they already are (a stored state
    /// bound for a reader of that format), else decoded and encoded again.
    public static func transcode(_ bytes: [UInt8], to format: StateFormat) throws(StateCodecError) -> [UInt8] {
        StateFormat(of: bytes) == format ? bytes : encode(try decode(bytes), format: format)
    }
}

/// A stored state that cannot be decoded: the replica file was damaged or
/// written by an incompatible version.
public struct StateCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    public let detail: String
    /// The bytes are sound but the plain row beside them no longer holds the
    /// values they left to it (`StateCodec+RowBacked`).
    public let rowChanged: Bool
    public init(_ detail: String, rowChanged: Bool = false) {
        self.detail = detail
        self.rowChanged = rowChanged
    }
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
        appendUTF8(text)
    }

    /// The UTF-8 bytes alone: a native string's in one copy, not one by one.
    mutating func appendUTF8(_ text: String) {
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
            appendVarint(StateCodec.zigzag(i))
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

    /// In its shortest form only, as `appendVarint` writes it: a number has
    /// one encoding, so a state's bytes are canonical when its structure is.
    public mutating func varint() throws(StateCodecError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 63 || (shift == 63 && b <= 1) else { throw StateCodecError("varint too long") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 {
                guard b != 0 || shift == 0 else { throw StateCodecError("varint not in its shortest form") }
                return result
            }
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
        try bytes(count: try varint())
    }

    /// The next `n` bytes, in place; an `n` past the end is an error.
    public mutating func bytes(count n: UInt64) throws(StateCodecError) -> ArraySlice<UInt8> {
        guard n <= UInt64(bytes.endIndex - offset) else { throw StateCodecError("count past end") }
        defer { offset += Int(n) }
        return bytes[offset..<(offset + Int(n))]
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
        case 3: return .int(StateCodec.unzigzag(try varint()))
        case 4: return .text(try string())
        default: throw StateCodecError("unknown value tag")
        }
    }
}
