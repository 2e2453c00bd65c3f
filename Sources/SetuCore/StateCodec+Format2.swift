/// Format 2 of a state: the same state as format 1 in about 60 % of the
/// bytes (issue 14). Field names a record carries are the same dozen in
/// every record, and the siblings of one record share a few writes.
///
///     state    = 0x02 nodes vector dots fields counters
///     nodes    = n (len bytes)*              sorted by bytes, as format 1
///     vector   = n (node hlc)*               sorted by node, as format 1
///     dots     = n (node back)*              the siblings' distinct dots in dot order;
///                                            back = zigzag(the node's vector time − hlc)
///     fields   = n (key [name] [n] (dot value)+)*
///                                            names in byte order; key = code·2 + several:
///                                            code 0 spells the name after the key, otherwise
///                                            it is `StateFieldNames.frozen[code − 1]`; n (≥ 2)
///                                            only when several; dot = index into dots, ascending
///     counters = n (code [name] n (node inc dec)*)*
///     value    = 0 null | 1 false | 2 true | 3 zigzag-int | 4+len utf8
///
/// `back` is what a dot lies behind its node's entry in the vector, which
/// has seen it: 0 for the node's latest write, a few bytes for older ones,
/// where the full clock takes nine. The subtraction wraps, so a state whose
/// dot lies past its vector (not one Setu writes) still has one encoding.
extension StateCodec {
    static func encodeFormat2(_ state: RecordState, keptInRow: ((String, String) -> Bool)? = nil, numbering: NodeNumbering = .none) -> [UInt8] {
        let inRow = keptInRow.map { held in state.fields.map { field in
            guard field.siblings.count == 1, case .text(let text) = field.siblings[0].value else { return false }
            return held(field.name, text)
        } }
        let rowBacked = inRow?.contains(true) ?? false
        var checksum = RowChecksum()
        let table = nodeTable(of: state)
        var dots: [Dot] = []
        for field in state.fields {
            for s in field.siblings where !dots.contains(s.dot) { dots.append(s.dot) }
        }
        dots.sort()
        var out: [UInt8] = [rowBacked ? StateCodec.rowBackedByte : StateFormat.v2.rawValue]
        out.reserveCapacity(512)
        appendNodesAndVector(state, table: table, to: &out, stored: rowBacked ? numbering : nil)
        out.appendVarint(UInt64(dots.count))
        for dot in dots {
            out.appendVarint(index(of: dot.node, in: table))
            let back = Int64(bitPattern: (state.vector[dot.node]?.rawValue ?? 0) &- dot.time.rawValue)
            if rowBacked { out.appendStoredBack(back) } else { out.appendVarint(zigzag(back)) }
        }
        out.appendVarint(UInt64(state.fields.count))
        var lastDot: Int?
        for (f, field) in state.fields.enumerated() {
            let code = StateFieldNames.code(of: field.name)
            let several: UInt64 = field.siblings.count > 1 ? 1 : 0
            let elided = inRow?[f] ?? false
            let sharesDot = elided && dots.firstIndex(of: field.siblings[0].dot) == lastDot
            out.appendVarint(rowBacked ? code << 2 | (sharesDot ? 3 : elided ? 2 : several) : code << 1 | several)
            if code == 0 { out.appendString(field.name) }
            if several == 1 { out.appendVarint(UInt64(field.siblings.count)) }
            for s in field.siblings {
                lastDot = dots.firstIndex(of: s.dot)!
                if !sharesDot { out.appendVarint(UInt64(lastDot!)) }
                if elided, case .text(let text) = s.value {
                    checksum.add(text)
                } else {
                    out.appendCompactValue(s.value)
                }
            }
        }
        appendCounters(state, table: table, to: &out) { name, out in
            let code = StateFieldNames.code(of: name)
            out.appendVarint(code)
            if code == 0 { out.appendString(name) }
        }
        if rowBacked { checksum.append(to: &out) }
        return out
    }

    /// Format 2 after its first byte. What only one encoding may hold is
    /// checked here (order, no unused dot, a name spelt out only when it has
    /// no number), so equal states cannot arrive as different bytes.
    ///
    /// Every property of the one encoding is checked, so a format 2 state
    /// that decodes is in canonical form (`StatesPage` relies on it instead
    /// of encoding each state again): varints in their shortest form, the
    /// node table sorted with each node used, the vector, dots, fields,
    /// siblings, counters and their entries in order.
    /// `stored`: the replica's stored form (`rowBackedByte`), its nodes
    /// numbered by `stored`: nodes and times as it writes them, and kind 3,
    /// a value in the row under the dot of the field before. The v9 form
    /// (`rowBackedV9Byte`) had none of these.
    ///
    /// `keepingValues` false reads everything and makes every check, the
    /// row's checksum included, but builds no fields: the state it returns
    /// holds only the vector and the counters (`causalContext`).
    static func decodeFormat2(_ reader: inout ByteReader, rowBacked: Bool = false, stored: NodeNumbering? = nil,
                              valuesInRow: RowValues? = nil, keepingValues: Bool = true) throws(StateCodecError) -> RecordState {
        let compact = stored != nil
        var checksum = RowChecksum()
        let (table, entries) = try readNodesAndVector(&reader, stored: stored)
        guard zip(table, table.dropFirst()).allSatisfy({ $0 < $1 }) else { throw StateCodecError("node table out of order") }
        guard let vector = VersionVector(sortedEntries: entries) else { throw StateCodecError("vector out of order") }
        var dots: [Dot] = []
        for _ in 0..<(try reader.count()) {
            let owner = try node(try reader.varint(), in: table)
            let back = UInt64(bitPattern: compact ? try reader.storedBack() : unzigzag(try reader.varint()))
            let dot = Dot(node: owner, time: HLCTimestamp(rawValue: (vector[owner]?.rawValue ?? 0) &- back))
            guard dots.last.map({ $0 < dot }) ?? true else { throw StateCodecError("dots out of order") }
            dots.append(dot)
        }
        var used = [Bool](repeating: false, count: dots.count)
        var sawInRow = false
        var fields: [RecordState.Field] = []
        var previousCode: UInt64 = 0
        /// The field before's name, when it was spelt out (code 0).
        var previousSpelt: String?
        var lastDot: UInt64?
        for _ in 0..<(try reader.count()) {
            let key = try reader.varint()
            let code = rowBacked ? key >> 2 : key >> 1
            let kind = rowBacked ? key & 3 : key & 1
            let name = try Self.name(code, &reader)
            // Numbered names order as their numbers: no string comparison
            // for the fields of the declared collections.
            let inOrder = code > 0 && previousCode > 0 ? code > previousCode
                : (previousCode > 0 ? StateFieldNames.name(previousCode) : previousSpelt).map { RecordState.precedes($0, name) } ?? true
            guard inOrder else { throw StateCodecError("fields out of order") }
            if code == 0 { previousSpelt = name }
            guard kind < 3 || compact && lastDot != nil else { throw StateCodecError("field \(name): unknown kind") }
            previousCode = code
            let inRow = kind >= 2
            if inRow { sawInRow = true }
            let count = kind != 1 ? 1 : try reader.count()
            guard count >= 1, kind != 1 || count >= 2 else { throw StateCodecError("field \(name): sibling count \(count)") }
            var siblings: [Sibling] = []
            if keepingValues { siblings.reserveCapacity(count) }
            var previous = -1
            for _ in 0..<count {
                let i = kind == 3 ? lastDot! : try reader.varint()
                lastDot = i
                guard i < dots.count, Int(i) > previous else { throw StateCodecError("field \(name): dot index out of range or order") }
                previous = Int(i)
                used[previous] = true
                if keepingValues {
                    siblings.append(Sibling(dot: dots[previous], value: inRow ? try valuesInRow!.value(of: name, into: &checksum) : try reader.compactValue()))
                } else if inRow {
                    try valuesInRow!.check(name, into: &checksum)
                } else {
                    try reader.skipCompactValue()
                }
            }
            if keepingValues { fields.append(RecordState.Field(name: name, siblings: siblings)) }
        }
        guard !used.contains(false) else { throw StateCodecError("a dot no sibling has") }
        var previousCounter: String?
        let counters = try readCounters(&reader, table: table, inNodeOrder: true) { reader throws(StateCodecError) in
            let name = try Self.name(try reader.varint(), &reader)
            guard previousCounter.map({ RecordState.precedes($0, name) }) ?? true else { throw StateCodecError("counters out of order") }
            previousCounter = name
            return name
        }
        if rowBacked {
            guard sawInRow else { throw StateCodecError("a state with its values in its row leaves none there") }
            try valuesInRow!.check(checksum, against: &reader)
        }
        if table.count != vector.count {
            // Every node of the table must be named, as `nodeTable` lists
            // them: the vector's, the siblings' dots' (each is one of `dots`,
            // and each of `dots` a sibling's) and the counters'.
            var named = vector.sorted.map(\.node)
            for dot in dots where !named.contains(dot.node) { named.append(dot.node) }
            appendNodes(of: counters, to: &named)
            guard table.count == named.count else { throw StateCodecError("a node the state does not name") }
        }
        return RecordState(vector: vector, sortedFields: fields, counters: counters)
    }

    /// A name by its number, or spelt out after a 0.
    private static func name(_ code: UInt64, _ reader: inout ByteReader) throws(StateCodecError) -> String {
        guard code == 0 else {
            guard let name = StateFieldNames.name(code) else { throw StateCodecError("field number \(code) is not known") }
            return name
        }
        let name = try reader.string()
        guard StateFieldNames.code(of: name) == 0 else { throw StateCodecError("name \(name) spelt out though it has a number") }
        return name
    }
}

extension [UInt8] {
    /// A value as format 2 writes it: a text's tag and length in one varint.
    /// Null, booleans and integers as format 1 writes them.
    mutating func appendCompactValue(_ value: FieldValue) {
        guard case .text(let t) = value else { return appendValue(value) }
        appendVarint(UInt64(t.utf8.count) + 4)
        appendUTF8(t)
    }
}

extension ByteReader {
    /// A text value's bytes as format 2 writes them, or nil (nothing read)
    /// when the next value is not text.
    public mutating func textBytes() throws(StateCodecError) -> ArraySlice<UInt8>? {
        var peek = self
        let tag = try peek.varint()
        guard tag >= 4 else { return nil }
        let text = try peek.bytes(count: tag - 4)
        self = peek
        return text
    }

    /// Steps over a value as format 2 writes it.
    public mutating func skipCompactValue() throws(StateCodecError) {
        let tag = try varint()
        if tag == 3 { _ = try varint() } else if tag >= 4 { _ = try bytes(count: tag - 4) }
    }

    /// A value as format 2 writes it.
    public mutating func compactValue() throws(StateCodecError) -> FieldValue {
        let tag = try varint()
        switch tag {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return .int(StateCodec.unzigzag(try varint()))
        default:
            guard let text = String(strictlyDecoding: try bytes(count: tag - 4)) else { throw StateCodecError("invalid UTF-8") }
            return .text(text)
        }
    }
}

/// Nodes as a replica's stored form writes them: 0 and the id, or the
/// replica's number for it (`NodeNumbering`).
extension [UInt8] {
    mutating func appendStoredNode(_ node: NodeID, _ numbering: NodeNumbering) {
        if let number = numbering.number(node) {
            appendVarint(number)
        } else {
            appendVarint(0)
            appendString(node.rawValue)
        }
    }
}

extension ByteReader {
    /// A node `appendStoredNode` wrote.
    mutating func storedNode(_ numbering: NodeNumbering) throws(StateCodecError) -> NodeID {
        let number = try varint()
        guard number == 0 else {
            guard let node = numbering.node(number) else { throw StateCodecError("node number \(number) is not in this replica's node table") }
            return node
        }
        return try nodeID()
    }

    /// A node id, written out as a string.
    mutating func nodeID() throws(StateCodecError) -> NodeID {
        guard let node = NodeID(rawValue: try string()) else { throw StateCodecError("invalid node id") }
        return node
    }
}

/// Times as a replica's stored form writes them (`StateCodec.rowBackedByte`,
/// never on the wire). A hybrid clock time is milliseconds since 1970
/// shifted past a 16-bit logical counter, nine bytes as a varint, and the
/// counter is almost always 0. Counted from 2020 and the counter written
/// only when it is not 0, a time takes six bytes and a dot's distance
/// behind its node's latest write two to five.
extension [UInt8] {
    /// Milliseconds since 2020, zigzag (a PC clock can be years off), times
    /// two, plus 1 when the logical counter follows.
    mutating func appendStoredTime(_ time: HLCTimestamp) {
        let millis = Int64(bitPattern: time.physicalMillis) &- StateCodec.storedEpochMillis
        appendVarint(StateCodec.zigzag(millis) << 1 | (time.logical != 0 ? 1 : 0))
        if time.logical != 0 { appendVarint(time.logical) }
    }

    /// A dot's distance behind its node's entry in the vector, in hybrid
    /// clock units: its milliseconds and its counter apart, as a time.
    mutating func appendStoredBack(_ back: Int64) {
        let low = UInt64(bitPattern: back) & HLCTimestamp.maxLogical
        appendVarint(StateCodec.zigzag(back >> 16) << 1 | (low != 0 ? 1 : 0))
        if low != 0 { appendVarint(low) }
    }
}

extension ByteReader {
    /// A time `appendStoredTime` wrote.
    mutating func storedTime() throws(StateCodecError) -> HLCTimestamp {
        let (high, low) = try storedParts()
        let millis = high &+ StateCodec.storedEpochMillis
        guard millis >= 0, millis < 1 << 48 else { throw StateCodecError("stored time out of range") }
        return HLCTimestamp(rawValue: UInt64(millis) << 16 | low)
    }

    /// A distance `appendStoredBack` wrote.
    mutating func storedBack() throws(StateCodecError) -> Int64 {
        let (high, low) = try storedParts()
        return high &<< 16 | Int64(low)
    }

    private mutating func storedParts() throws(StateCodecError) -> (high: Int64, low: UInt64) {
        let head = try varint()
        guard head & 1 == 1 else { return (StateCodec.unzigzag(head >> 1), 0) }
        let low = try varint()
        guard low != 0, low <= HLCTimestamp.maxLogical else { throw StateCodecError("stored counter out of range") }
        return (StateCodec.unzigzag(head >> 1), low)
    }
}
