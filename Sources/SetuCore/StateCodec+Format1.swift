/// Format 1 of a state: every name and dot spelt out.
///
///     state   = 0x01 nodes vector fields counters
///     nodes   = n (len bytes)*            sorted by bytes
///     vector  = n (node hlc)*             sorted by node
///     fields  = n (name n (node hlc value)*)*   names sorted, siblings by dot
///     counters= n (name n (node inc dec)*)*
///     value   = 0 null | 1 false | 2 true | 3 zigzag-int | 4 len utf8
extension StateCodec {
    static func encodeFormat1(_ state: RecordState) -> [UInt8] {
        let table = nodeTable(of: state)
        var out: [UInt8] = [StateFormat.v1.rawValue]
        out.reserveCapacity(1_024)
        appendNodesAndVector(state, table: table, to: &out)
        out.appendVarint(UInt64(state.fields.count))
        for field in state.fields {
            out.appendString(field.name)
            out.appendVarint(UInt64(field.siblings.count))
            for s in field.siblings {
                out.appendVarint(index(of: s.dot.node, in: table))
                out.appendVarint(s.dot.time.rawValue)
                out.appendValue(s.value)
            }
        }
        appendCounters(state, table: table, to: &out) { name, out in out.appendString(name) }
        return out
    }

    /// Format 1 after its first byte.
    static func decodeFormat1(_ reader: inout ByteReader) throws(StateCodecError) -> RecordState {
        let (table, entries) = try readNodesAndVector(&reader)
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
                let dot = Dot(node: try node(try reader.varint(), in: table), time: HLCTimestamp(rawValue: try reader.varint()))
                guard siblings.last.map({ $0.dot < dot }) ?? true else { throw StateCodecError("siblings out of order") }
                siblings.append(Sibling(dot: dot, value: try reader.value()))
            }
            guard !siblings.isEmpty else { throw StateCodecError("field without values") }
            fields.append(RecordState.Field(name: name, siblings: siblings))
        }
        let counters = try readCounters(&reader, table: table) { reader throws(StateCodecError) in try reader.string() }
        return RecordState(vector: vector, sortedFields: fields, counters: counters)
    }
}
