/// A replica's stored form of a state whose values its plain row holds
/// (issue 14, `docs/COMPACT-REPLICA.md`).
///
/// A replica keeps every record twice: its state in `setu_records` and its
/// resolved values in the plain table office software reads. A text field
/// with one sibling shows exactly that sibling's value in the row, so the
/// state leaves it out and is read back with the row beside it.
///
///     stored = 0x83 nodes vector dots fields counters checksum
///
/// as format 2, but for nodes (each the replica's number for it, or 0 and
/// its id: `NodeNumbering`), times (`appendStoredTime`, `appendStoredBack`) and
/// each field's key: code·4 + kind, where kind 0 is one
/// sibling, 1 several (n follows), 2 one sibling whose value is in the row
/// (its dot is written, its value is not), 3 the same under the dot of the
/// field before (nothing follows: most fields of a record came in one write). `checksum` is 4 bytes, a hash
/// of the left-out values (each as its length and bytes, `RowChecksum`), so a row that
/// changed without Setu seeing it (its capture triggers dropped) is caught
/// when the state is read, not sent on under the old dot.
///
/// These bytes never leave the replica: every reader goes through the
/// replica, which fills the values in; the plain `decode` refuses them.
extension StateCodec {
    /// The first byte of the stored form. Not a `StateFormat`: it is never
    /// on the wire, and a release that does not know it refuses it.
    public static let rowBackedByte: UInt8 = 0x83

    /// The stored form as schema v9 wrote it: times as format 2 writes
    /// them. Read, never written; a state is stored anew when it changes.
    public static let rowBackedV9Byte: UInt8 = 0x82

    /// Where the stored form counts its milliseconds from (2020-01-01).
    static let storedEpochMillis: Int64 = 1_577_836_800_000

    /// The bytes a replica stores for `state` beside a plain row:
    /// `rowHolds(field, text)` says whether the row holds exactly that text
    /// in that field's column. Format 2 bytes when the row holds none.
    /// Nodes `numbering` numbers are written by their numbers.
    public static func encode(_ state: RecordState, numbering: NodeNumbering = .none, keptInRow rowHolds: (String, String) -> Bool) -> [UInt8] {
        withoutActuallyEscaping(rowHolds) { encodeFormat2(state, keptInRow: $0, numbering: numbering) }
    }

    /// Whether stored bytes leave values to the plain row.
    public static func isRowBacked(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.first == rowBackedByte || bytes.first == rowBackedV9Byte
    }

    /// Reads stored bytes, the left-out values from `valuesInRow` (the text
    /// a field's column holds, nil when there is none). Bytes that leave
    /// nothing to the row are read as `decode` reads them. The row's values
    /// must be those the state was stored beside (the checksum).
    public static func decode(_ bytes: [UInt8], numbering: NodeNumbering = .none,
                              valuesInRow: (String) -> String?) throws(StateCodecError) -> RecordState {
        guard isRowBacked(bytes) else { return try decode(bytes) }
        return try withoutActuallyEscaping(valuesInRow) { lookup throws(StateCodecError) in
            try decodeRowBacked(bytes, RowValues(lookup: lookup, strict: true), numbering)
        }
    }

    /// The state without its left-out values, for a row that changed
    /// without Setu seeing it: each left-out value is null, and `inRow`
    /// names those fields, whose values are lost and must be written anew
    /// from the row as it is.
    public static func decodeWithoutRow(_ bytes: [UInt8], numbering: NodeNumbering = .none) throws(StateCodecError)
        -> (state: RecordState, inRow: [String]) {
        guard isRowBacked(bytes) else { return (try decode(bytes), []) }
        let values = RowValues(lookup: { _ in nil }, strict: false)
        return (try decodeRowBacked(bytes, values, numbering), values.fields)
    }

    /// What stored bytes have seen (`CausalContext`), checked as `decode`
    /// checks them, the row's checksum included, but without building a
    /// value: `rowBytes(field)` gives the UTF-8 bytes a field's column holds
    /// (nil when it holds none), read where they are.
    public static func causalContext(ofStored bytes: [UInt8], numbering: NodeNumbering = .none,
                                     rowBytes: (String) -> UnsafeBufferPointer<UInt8>?) throws(StateCodecError) -> CausalContext {
        guard isRowBacked(bytes) else { return CausalContext(of: try decode(bytes)) }
        let state = try withoutActuallyEscaping(rowBytes) { lookup throws(StateCodecError) in
            try decodeRowBacked(bytes, RowValues(bytes: lookup), numbering, keepingValues: false)
        }
        return CausalContext(of: state)
    }

    private static func decodeRowBacked(_ bytes: [UInt8], _ values: RowValues, _ numbering: NodeNumbering,
                                        keepingValues: Bool = true) throws(StateCodecError) -> RecordState {
        var reader = ByteReader(bytes)
        let stored = try reader.byte() == rowBackedByte ? numbering : nil
        let state = try decodeFormat2(&reader, rowBacked: true, stored: stored, valuesInRow: values, keepingValues: keepingValues)
        guard reader.isAtEnd else { throw StateCodecError("trailing bytes after the state") }
        return state
    }
}

/// Where a row-backed state's left-out values come from while it is decoded.
final class RowValues {
    private let lookup: (String) -> String?
    /// Set when the row is read as bytes (`causalContext`), which are only
    /// checked, never made values.
    private let bytes: ((String) -> UnsafeBufferPointer<UInt8>?)?
    /// False only to read a state whose row is lost (`decodeWithoutRow`).
    let strict: Bool
    /// The fields whose values were in the row, in order.
    private(set) var fields: [String] = []

    init(lookup: @escaping (String) -> String?, strict: Bool) {
        self.lookup = lookup
        self.bytes = nil
        self.strict = strict
    }

    init(bytes: @escaping (String) -> UnsafeBufferPointer<UInt8>?) {
        self.lookup = { bytes($0).flatMap(String.init(strictlyDecoding:)) }
        self.bytes = bytes
        self.strict = true
    }

    func value(of field: String, into checksum: inout RowChecksum) throws(StateCodecError) -> FieldValue {
        fields.append(field)
        guard let text = lookup(field) else {
            guard !strict else { throw Self.holdsNone(field) }
            return .null
        }
        checksum.add(text)
        return .text(text)
    }

    /// Adds a field's column to `checksum`, as `value(of:into:)` does,
    /// without making it a value.
    func check(_ field: String, into checksum: inout RowChecksum) throws(StateCodecError) {
        guard let bytes else { return _ = try value(of: field, into: &checksum) }
        fields.append(field)
        guard let column = bytes(field) else { throw Self.holdsNone(field) }
        checksum.add(utf8: column)
    }

    private static func holdsNone(_ field: String) -> StateCodecError {
        StateCodecError("field \(field): its value is in the plain row, which holds none", rowChanged: true)
    }

    /// Reads the stored checksum and, when strict, compares it.
    func check(_ checksum: RowChecksum, against reader: inout ByteReader) throws(StateCodecError) {
        let stored = try reader.bytes(count: 4)
        guard !strict || stored.elementsEqual(checksum.bytes) else {
            throw StateCodecError("the plain row does not hold the values Setu stored beside it (\(fields.joined(separator: ", "))): "
                + "it was changed while Setu's capture triggers were missing", rowChanged: true)
        }
    }
}

/// A 32-bit hash of values, each as its length and bytes, eight bytes at a
/// time (a multiply and a shift each): cheap, and a changed value changes
/// it with odds of 1 in 4 billion to miss. Byte-at-a-time FNV-1a cost
/// more than the rest of storing a bootstrap's record.
struct RowChecksum {
    private var hash: UInt64 = 0x243F_6A88_85A3_08D3

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(utf8: $0) }
    }

    mutating func add(utf8 slice: ArraySlice<UInt8>) {
        slice.withUnsafeBufferPointer { add(utf8: $0) }
    }

    mutating func add(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var h = Self.mix(hash, UInt64(bytes.count))
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            var offset = 0
            while offset + 8 <= bytes.count {
                h = Self.mix(h, raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
                offset += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count {
                tail |= UInt64(base[offset]) << shift
                shift += 8
                offset += 1
            }
            if shift > 0 { h = Self.mix(h, tail) }
        }
        hash = h
    }

    private static func mix(_ h: UInt64, _ word: UInt64) -> UInt64 {
        let x = (h ^ word) &* 0x9E37_79B9_7F4A_7C15
        return x ^ (x >> 29)
    }

    var bytes: [UInt8] {
        let h = UInt32(truncatingIfNeeded: hash ^ (hash >> 32))
        return [UInt8(h >> 24), UInt8(h >> 16 & 0xFF), UInt8(h >> 8 & 0xFF), UInt8(h & 0xFF)]
    }

    func append(to out: inout [UInt8]) { out.append(contentsOf: bytes) }
}

extension StateCodec {
    /// Stored bytes (`rowBackedByte`) with every node `numbering` numbers
    /// written by its number: what encoding the same state with `numbering`
    /// gives, rewritten rather than encoded again. Only the node table names
    /// nodes; what follows refers to its positions, which numbers do not
    /// move. A page prepared off the write thread before a node had its
    /// number (a new office's first edits) is stored this way: encoding each
    /// of its states again was a sixth of a catch-up's write thread.
    public static func numberingNodes(_ stored: ArraySlice<UInt8>, numbering: NodeNumbering) throws(StateCodecError) -> [UInt8] {
        var reader = ByteReader(stored)
        guard try reader.byte() == rowBackedByte else { throw StateCodecError("not a replica's stored form") }
        var out: [UInt8] = [rowBackedByte]
        out.reserveCapacity(stored.count)
        let nodes = try reader.count()
        out.appendVarint(UInt64(nodes))
        for _ in 0..<nodes {
            let number = try reader.varint()
            if number == 0 { out.appendStoredNode(try reader.nodeID(), numbering) } else { out.appendVarint(number) }
        }
        out.append(contentsOf: stored[(stored.startIndex + reader.position)...])
        return out
    }

    /// The stored form of a state from its format 2 bytes, rewritten in
    /// place rather than encoded again: what `encode(_:keptInRow:)` gives
    /// for the same state, nil when the row holds none of its values (the
    /// format 2 bytes are then stored as they are). A bootstrap stores every
    /// record as it arrived, and encoding each again cost a quarter of
    /// setud's work.
    /// `rowHolds(field, utf8)` is asked with a text's bytes as stored: no
    /// string is made for it (they were checked as the state was decoded).
    public static func leavingValuesToRow(_ format2: ArraySlice<UInt8>, numbering: NodeNumbering = .none,
                                          keptInRow rowHolds: (String, ArraySlice<UInt8>) -> Bool) throws(StateCodecError) -> [UInt8]? {
        var reader = ByteReader(format2)
        guard try reader.byte() == StateFormat.v2.rawValue else { throw StateCodecError("not format 2") }
        var out: [UInt8] = [rowBackedByte]
        out.reserveCapacity(format2.count + 4)
        // The nodes, the vector and the dots as the stored form writes them.
        let nodes = try reader.count()
        out.appendVarint(UInt64(nodes))
        for _ in 0..<nodes {
            out.appendStoredNode(try reader.nodeID(), numbering)
        }
        let entries = try reader.count()
        out.appendVarint(UInt64(entries))
        for _ in 0..<entries {
            out.appendVarint(try reader.varint())
            out.appendStoredTime(HLCTimestamp(rawValue: try reader.varint()))
        }
        let dots = try reader.count()
        out.appendVarint(UInt64(dots))
        for _ in 0..<dots {
            let node = try reader.varint()
            out.appendVarint(node)
            out.appendStoredBack(unzigzag(try reader.varint()))
        }
        var checksum = RowChecksum()
        var leftOut = false
        let fieldCount = try reader.count()
        out.appendVarint(UInt64(fieldCount))
        var lastDot: UInt64?
        for _ in 0..<fieldCount {
            let key = try reader.varint()
            let code = key >> 1, several = key & 1 == 1
            let name = code == 0 ? try reader.string() : StateFieldNames.name(code) ?? ""
            let siblings = several ? try reader.count() : 1
            let dotStart = reader.position
            let firstDot = try reader.varint()
            let valueStart = reader.position
            if !several, let text = try reader.textBytes(), rowHolds(name, text) {
                let sharesDot = firstDot == lastDot
                lastDot = firstDot
                out.appendVarint(code << 2 | (sharesDot ? 3 : 2))
                if code == 0 { out.appendString(name) }
                if !sharesDot { out.append(contentsOf: format2[format2.startIndex + dotStart..<format2.startIndex + valueStart]) }
                checksum.add(utf8: text)
                leftOut = true
                continue
            }
            lastDot = firstDot
            if !several { try reader.skipCompactValue() }
            out.appendVarint(code << 2 | (several ? 1 : 0))
            if code == 0 { out.appendString(name) }
            if several {
                out.appendVarint(UInt64(siblings))
                try reader.skipCompactValue()
                for _ in 1..<siblings {
                    lastDot = try reader.varint()
                    try reader.skipCompactValue()
                }
            }
            out.append(contentsOf: format2[format2.startIndex + dotStart..<format2.startIndex + reader.position])
        }
        guard leftOut else { return nil }
        out.append(contentsOf: format2[(format2.startIndex + reader.position)...])
        checksum.append(to: &out)
        return out
    }
}
