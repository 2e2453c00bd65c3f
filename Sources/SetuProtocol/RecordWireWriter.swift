import SetuCore

/// Writes a stored record as its wire JSON straight from the canonical
/// bytes `StateCodec` keeps, byte for byte what `JSONWriter` writes of
/// `ReplicatedRecord.json`.
///
/// Why: serving a pull page, the hub used to decode each stored state into a
/// `RecordState`, build a `JSONValue` tree of it and write that tree twice
/// (once to measure the page, once to send it): the most part of the hub's
/// CPU in a bootstrap (issue 18). Here each record is one pass over its
/// bytes, and the page is the records' bytes joined.
///
/// The bytes were checked when the state was stored (`StateCodec.encode`
/// writes only valid UTF-8 and node ids); a damaged file is still caught
/// where the structure is wrong, with the same errors as the decoder.
public enum RecordWireWriter {
    public static func append(collection: String, id: String, state: [UInt8], to out: inout [UInt8]) throws(StateCodecError) {
        var reader = ByteReader(state)
        guard try reader.byte() == StateCodec.formatVersion else {
            throw StateCodecError("unknown state format; this hub was written by a newer Setu")
        }
        var nodes: [ArraySlice<UInt8>] = []
        for _ in 0..<(try reader.count()) { nodes.append(try reader.stringBytes()) }
        func node(_ reader: inout ByteReader) throws(StateCodecError) -> ArraySlice<UInt8> {
            let i = try reader.varint()
            guard i < nodes.count else { throw StateCodecError("node index out of range") }
            return nodes[Int(i)]
        }
        func dot(_ reader: inout ByteReader, _ out: inout [UInt8]) throws(StateCodecError) {
            out.append(UInt8(ascii: "["))
            JSONWriter.appendString(bytes: try node(&reader), to: &out)
            let time = HLCTimestamp(rawValue: try reader.varint())
            out.append(UInt8(ascii: ","))
            JSONWriter.appendInteger(Int64(time.physicalMillis), to: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.appendInteger(Int64(time.logical), to: &out)
        }

        out.append(contentsOf: #"{"collection":"#.utf8)
        JSONWriter.appendString(collection, to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        JSONWriter.appendString(id, to: &out)
        out.append(contentsOf: #","vector":["#.utf8)
        try appendList(try reader.count(), to: &out) { out throws(StateCodecError) in
            try dot(&reader, &out)
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #"],"fields":{"#.utf8)
        try appendList(try reader.count(), to: &out) { out throws(StateCodecError) in
            JSONWriter.appendString(bytes: try reader.stringBytes(), to: &out)
            out.append(contentsOf: ":[".utf8)
            let siblings = try reader.count()
            guard siblings > 0 else { throw StateCodecError("field without values") }
            try appendList(siblings, to: &out) { out throws(StateCodecError) in
                try dot(&reader, &out)
                out.append(UInt8(ascii: ","))
                try value(&reader, &out)
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #"},"counters":{"#.utf8)
        try appendList(try reader.count(), to: &out) { out throws(StateCodecError) in
            JSONWriter.appendString(bytes: try reader.stringBytes(), to: &out)
            out.append(contentsOf: ":[".utf8)
            try appendList(try reader.count(), to: &out) { out throws(StateCodecError) in
                out.append(UInt8(ascii: "["))
                JSONWriter.appendString(bytes: try node(&reader), to: &out)
                out.append(UInt8(ascii: ","))
                JSONWriter.appendInteger(Int64(clamping: try reader.varint()), to: &out)
                out.append(UInt8(ascii: ","))
                JSONWriter.appendInteger(Int64(clamping: try reader.varint()), to: &out)
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: "}}".utf8)
        guard reader.isAtEnd else { throw StateCodecError("trailing bytes after the state") }
    }

    /// `count` elements, comma-separated: every JSON list and object here.
    private static func appendList(_ count: Int, to out: inout [UInt8],
                                   _ element: (inout [UInt8]) throws(StateCodecError) -> Void) throws(StateCodecError) {
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            try element(&out)
        }
    }

    /// A field value as `JSONValue(FieldValue)` writes it.
    private static func value(_ reader: inout ByteReader, _ out: inout [UInt8]) throws(StateCodecError) {
        switch try reader.byte() {
        case 0: out.append(contentsOf: "null".utf8)
        case 1: out.append(contentsOf: "false".utf8)
        case 2: out.append(contentsOf: "true".utf8)
        case 3:
            let z = try reader.varint()
            JSONWriter.appendInteger(Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))), to: &out)
        case 4: JSONWriter.appendString(bytes: try reader.stringBytes(), to: &out)
        default: throw StateCodecError("unknown value tag")
        }
    }
}
