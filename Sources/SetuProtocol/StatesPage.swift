#if canImport(Glibc)
import Glibc
#endif
import SetuCore

/// A pull page in the form the hub stores states in (`Accept:
/// application/vnd.setu.states`): each record's state as the canonical
/// bytes `StateCodec` writes, copied from the hub's database, instead of
/// JSON.
///
/// Why: serving JSON, most of the hub's CPU in a bootstrap went into
/// turning stored bytes into JSON text 1.7 times their size and gzipping
/// it, and a sixth of setud's into reading that text back (issue 18). Here
/// the hub copies bytes and setud decodes the replica's own format.
///
///     page    = "SETU-STATES" 0x0A version  count  record*  trailer
///     version = the `StateFormat` of every state in the page: 1, or 2 when
///               the pull's Accept said `version=2`
///     record  = collection id state        each a varint length, then its bytes
///     trailer = the rest of the body, JSON: {"purged":[…],"cursor":"…","more":…}
///               (`purged` left out when empty, as in the JSON page)
///
/// setud asks for it and reads either form by the answer's `Content-Type`,
/// so a hub that does not know it (an older release) answers JSON and is
/// read as before. A state is taken only when its bytes are exactly the
/// canonical encoding of the state they decode to, and every time in it is
/// on or after 2025-01-01, as the JSON reader requires: a page has one
/// reading, whatever sent it.
public enum StatesPage {
    public static let mediaType = "application/vnd.setu.states"
    static let magic = Array("SETU-STATES\n".utf8)

    /// One record as it goes into a page.
    public static func appendRecord(collection: String, id: String, state: [UInt8], to out: inout [UInt8]) {
        out.appendString(collection)
        out.appendString(id)
        out.appendVarint(UInt64(state.count))
        out.append(contentsOf: state)
    }

    /// The whole page, from records written by `appendRecord` and the
    /// notices' JSON (comma-separated objects).
    public static func body(format: StateFormat, records: [UInt8], count: Int, purged: [UInt8], purgedCount: Int, cursor: String, more: Bool) -> [UInt8] {
        var out = magic + [format.rawValue]
        out.reserveCapacity(records.count + purged.count + 96)
        out.appendVarint(UInt64(count))
        out.append(contentsOf: records)
        out.append(UInt8(ascii: "{"))
        if purgedCount > 0 {
            out.append(contentsOf: #""purged":["#.utf8)
            out.append(contentsOf: purged)
            out.append(contentsOf: "],".utf8)
        }
        PullPageWriter.appendEnd(cursor: cursor, more: more, to: &out)
        return out
    }

    /// Reads a page; a page that is cut short, damaged, or holds a state in
    /// any but its canonical bytes is refused whole, naming the record.
    public static func decode(_ body: [UInt8]) throws(WireError) -> PullResponse {
        guard body.starts(with: magic), body.count > magic.count else {
            throw WireError("", "not a Setu states page (it does not begin with SETU-STATES)")
        }
        guard let format = StateFormat(rawValue: body[magic.count]) else {
            throw WireError("", "states page version \(body[magic.count]) is not known to this setud; upgrade it, or it reads the hub's JSON")
        }
        var reader = ByteReader(body[(magic.count + 1)...])
        var records: [ReplicatedRecord] = []
        do throws(StateCodecError) {
            let count = try reader.count()
            records.reserveCapacity(count)
            for _ in 0..<count {
                let collection = try reader.string(), id = try reader.string()
                let bytes = try reader.stringBytes()
                records.append(ReplicatedRecord(collection: collection, id: id, state: try state(bytes, format), encodedState: bytes))
            }
        } catch {
            throw WireError("records[\(records.count)]", error.detail)
        }
        let json = try JSONReader(JSONParser.parse(body[(magic.count + 1 + reader.position)...]), "trailer")
        try json.onlyMembers(["purged", "cursor", "more"])
        let purged = try (json.optionalMember("purged")?.array() ?? []).map { (item: JSONReader) throws(WireError) in
            try PurgedRecord(json: item.value, path: item.path)
        }
        guard case .bool(let more) = try json.member("more").value else { throw WireError("trailer.more", "expected a boolean") }
        return PullResponse(records: records, purged: purged, cursor: try json.member("cursor").string(), more: more)
    }

    /// A received state, held to its canonical bytes and the earliest time.
    private static func state(_ bytes: ArraySlice<UInt8>, _ format: StateFormat) throws(StateCodecError) -> RecordState {
        let state = try StateCodec.decode(bytes)
        // Format 2's decoder holds the bytes to their one encoding itself;
        // format 1's takes some other spellings, so it is encoded again.
        guard StateFormat(of: bytes) == format, format == .v2 || identical(StateCodec.encode(state, format: format), bytes) else {
            throw StateCodecError("the state's bytes are not in canonical form (a node, field or counter twice, or out of order)")
        }
        let earliest = HLCTimestamp(physicalMillis: HLCTimestamp.earliestMillis)
        func check(_ time: HLCTimestamp) throws(StateCodecError) {
            guard time < earliest else { return }
            throw StateCodecError("write time \(time.physicalMillis) ms lies before 2025-01-01; the writing node's clock was reset: fix its clock")
        }
        for entry in state.vector.sorted { try check(entry.time) }
        for field in state.fields {
            for sibling in field.siblings { try check(sibling.dot.time) }
        }
        return state
    }

    /// Byte equality by `memcmp`: the generic comparison of an array with
    /// a slice went byte by byte (4 % of a bootstrap's CPU in setud).
    private static func identical(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
    }
}
