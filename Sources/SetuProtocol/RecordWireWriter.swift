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
        let format = StateFormat(rawValue: try reader.byte())
        guard let format else { throw StateCodecError("unknown state format; this hub was written by a newer Setu") }
        var nodes: [ArraySlice<UInt8>] = []
        for _ in 0..<(try reader.count()) { nodes.append(try reader.stringBytes()) }
        func node(_ i: UInt64) throws(StateCodecError) -> Int {
            guard i < nodes.count else { throw StateCodecError("node index out of range") }
            return Int(i)
        }
        func dot(_ node: Int, _ time: UInt64, _ out: inout [UInt8]) {
            let time = HLCTimestamp(rawValue: time)
            out.append(UInt8(ascii: "["))
            JSONWriter.appendString(bytes: nodes[node], to: &out)
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
        // Format 2 counts its dots back from the vector: keep its times.
        var vectorTimes = [UInt64](repeating: 0, count: nodes.count)
        try appendList(try reader.count(), to: &out) { out throws(StateCodecError) in
            let n = try node(try reader.varint()), time = try reader.varint()
            vectorTimes[n] = time
            dot(n, time, &out)
            out.append(UInt8(ascii: "]"))
        }
        out.append(contentsOf: #"],"fields":{"#.utf8)
        switch format {
        case .v1:
            try appendList(try reader.count(), to: &out) { out throws(StateCodecError) in
                JSONWriter.appendString(bytes: try reader.stringBytes(), to: &out)
                out.append(contentsOf: ":[".utf8)
                let siblings = try reader.count()
                guard siblings > 0 else { throw StateCodecError("field without values") }
                try appendList(siblings, to: &out) { out throws(StateCodecError) in
                    dot(try node(try reader.varint()), try reader.varint(), &out)
                    out.append(UInt8(ascii: ","))
                    try value(&reader, &out)
                    out.append(UInt8(ascii: "]"))
                }
                out.append(UInt8(ascii: "]"))
            }
        case .v2:
            var dots: [(node: Int, time: UInt64)] = []
            for _ in 0..<(try reader.count()) {
                let n = try node(try reader.varint())
                dots.append((n, vectorTimes[n] &- UInt64(bitPattern: StateCodec.unzigzag(try reader.varint()))))
            }
            try appendList(try reader.count(), to: &out) { out throws(StateCodecError) in
                let key = try reader.varint()
                JSONWriter.appendString(bytes: try name(key >> 1, &reader), to: &out)
                out.append(contentsOf: ":[".utf8)
                let siblings = key & 1 == 0 ? 1 : try reader.count()
                try appendList(siblings, to: &out) { out throws(StateCodecError) in
                    let i = try reader.varint()
                    guard i < dots.count else { throw StateCodecError("dot index out of range") }
                    dot(dots[Int(i)].node, dots[Int(i)].time, &out)
                    out.append(UInt8(ascii: ","))
                    try compactValue(&reader, &out)
                    out.append(UInt8(ascii: "]"))
                }
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(contentsOf: #"},"counters":{"#.utf8)
        try appendList(try reader.count(), to: &out) { out throws(StateCodecError) in
            let counter = format == .v1 ? try reader.stringBytes() : try name(try reader.varint(), &reader)
            JSONWriter.appendString(bytes: counter, to: &out)
            out.append(contentsOf: ":[".utf8)
            try appendList(try reader.count(), to: &out) { out throws(StateCodecError) in
                out.append(UInt8(ascii: "["))
                JSONWriter.appendString(bytes: nodes[try node(try reader.varint())], to: &out)
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

    /// The UTF-8 of the names format 2 numbers, made once.
    private static let frozenNames: [ArraySlice<UInt8>] = StateFieldNames.frozen.map { Array($0.utf8)[...] }

    /// A format 2 name: by its number, or spelt out after a 0.
    private static func name(_ code: UInt64, _ reader: inout ByteReader) throws(StateCodecError) -> ArraySlice<UInt8> {
        guard code == 0 else {
            guard code <= UInt64(frozenNames.count) else { throw StateCodecError("field number \(code) is not known") }
            return frozenNames[Int(code - 1)]
        }
        return try reader.stringBytes()
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
        case let tag where tag < 4: try scalar(UInt64(tag), &reader, &out)
        case 4: JSONWriter.appendString(bytes: try reader.stringBytes(), to: &out)
        default: throw StateCodecError("unknown value tag")
        }
    }

    /// A format 2 value: a text's tag is its length plus 4.
    private static func compactValue(_ reader: inout ByteReader, _ out: inout [UInt8]) throws(StateCodecError) {
        let tag = try reader.varint()
        guard tag >= 4 else { return try scalar(tag, &reader, &out) }
        JSONWriter.appendString(bytes: try reader.bytes(count: tag - 4), to: &out)
    }

    /// null, false, true or an integer: tags 0–3 in both formats.
    private static func scalar(_ tag: UInt64, _ reader: inout ByteReader, _ out: inout [UInt8]) throws(StateCodecError) {
        switch tag {
        case 0: out.append(contentsOf: "null".utf8)
        case 1: out.append(contentsOf: "false".utf8)
        case 2: out.append(contentsOf: "true".utf8)
        default: JSONWriter.appendInteger(StateCodec.unzigzag(try reader.varint()), to: &out)
        }
    }
}
