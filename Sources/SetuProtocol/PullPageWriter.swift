import SetuCore

/// Writes a `PullResponse` body from records already in wire form: the
/// hub's way to answer a pull without holding the page as values (see
/// `RecordWireWriter`). In JSON the bytes are those `JSONWriter` writes of
/// the equal `PullResponse`, so `PullResponse(json:)` is its reader; as a
/// states page, the stored bytes as they are (`StatesPage`), or in format 1
/// for an office that reads only that.
public struct PullPageWriter: Sendable {
    public let format: PullPageFormat
    private var records: [UInt8] = []
    private var purged: [UInt8] = []
    private var scratch: [UInt8] = []
    public private(set) var recordCount = 0
    public private(set) var purgedCount = 0

    public init(format: PullPageFormat = .json) {
        self.format = format
        records.reserveCapacity(64 * 1_024)
    }

    /// The records' and notices' bytes so far (what `max_bytes` bounds).
    public var byteCount: Int { records.count + purged.count }
    public var isEmpty: Bool { recordCount == 0 && purgedCount == 0 }

    /// A stored row's wire bytes, written into a scratch buffer: how many
    /// bytes `commit()` would add, so the caller can stop before a page
    /// outgrows its bound.
    public mutating func prepare(collection: String, id: String, state: [UInt8]?, purged notice: PurgedRecord?) throws(StateCodecError) -> Int {
        scratch.removeAll(keepingCapacity: true)
        pendingNotice = notice.map { JSONWriter.write($0.json) }
        if let state {
            switch format {
            case .json: try RecordWireWriter.append(collection: collection, id: id, state: state, to: &scratch)
            case .states(let format):
                StatesPage.appendRecord(collection: collection, id: id, state: try StateCodec.transcode(state, to: format), to: &scratch)
            }
        }
        pendingRecord = state != nil
        return scratch.count + (pendingNotice?.count ?? 0)
    }

    private var pendingNotice: [UInt8]?
    private var pendingRecord = false

    /// Adds what `prepare` wrote.
    public mutating func commit() {
        if let notice = pendingNotice {
            if purgedCount > 0 { purged.append(UInt8(ascii: ",")) }
            purged.append(contentsOf: notice)
            purgedCount += 1
        }
        if pendingRecord {
            if recordCount > 0, format == .json { records.append(UInt8(ascii: ",")) }
            records.append(contentsOf: scratch)
            recordCount += 1
        }
        pendingNotice = nil
        pendingRecord = false
    }

    /// `{"records":[…],"purged":[…],"cursor":"…","more":…}`, `purged` left
    /// out when empty, as `PullResponse.json` does; or the states page.
    public func body(cursor: String, more: Bool) -> [UInt8] {
        if case .states(let stateFormat) = format {
            return StatesPage.body(format: stateFormat, records: records, count: recordCount, purged: purged, purgedCount: purgedCount, cursor: cursor, more: more)
        }
        var out: [UInt8] = []
        out.reserveCapacity(records.count + purged.count + 64)
        out.append(contentsOf: #"{"records":["#.utf8)
        out.append(contentsOf: records)
        out.append(UInt8(ascii: "]"))
        if purgedCount > 0 {
            out.append(contentsOf: #","purged":["#.utf8)
            out.append(contentsOf: purged)
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: ","))
        Self.appendEnd(cursor: cursor, more: more, to: &out)
        return out
    }

    /// `"cursor":"…","more":…}`: how a page ends in either form.
    static func appendEnd(cursor: String, more: Bool, to out: inout [UInt8]) {
        out.append(contentsOf: #""cursor":"#.utf8)
        JSONWriter.appendString(cursor, to: &out)
        out.append(contentsOf: #","more":"#.utf8)
        out.append(contentsOf: (more ? "true" : "false").utf8)
        out.append(UInt8(ascii: "}"))
    }
}
