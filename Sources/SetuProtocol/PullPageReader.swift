import SetuCore

/// Reads a pull page straight from its bytes into records, without first
/// building the JSON tree: on a bootstrap the tree (an enum value for every
/// dot, node name and field value of 100k records) and the walk over it cost
/// more than applying the records.
///
/// It reads the form hubs write (`PullPageWriter`, `JSONWriter`): members in
/// any order, fields and siblings in order, plain integers. On anything else,
/// valid or not, it gives up (`read` returns nil) and `PullResponse.decode`
/// reads the page through the tree, which stays the one authority on what a
/// page means and on what is wrong with a bad one. So it checks everything
/// `PullResponse(json:)` checks, and a page it reads equals the tree's.
///
/// Node, field and collection names repeat on every record: they are made
/// into strings once per page and matched by their bytes after that.
struct PullPageReader {
    private var parser: JSONParser
    private var nodes: [(bytes: ArraySlice<UInt8>, node: NodeID)] = []
    private var names: [(bytes: ArraySlice<UInt8>, name: String)] = []
    /// Distinct names beyond this are not remembered (a hostile page cannot grow the lists without bound).
    private static let rememberedNames = 64

    /// Why the reader left a page to the tree: never shown (the tree names the problem).
    struct GiveUp: Error {}

    static func read(_ body: [UInt8]) -> PullResponse? {
        var reader = PullPageReader(parser: JSONParser(bytes: body))
        return try? reader.page()
    }

    private mutating func page() throws(GiveUp) -> PullResponse {
        var records: [ReplicatedRecord]?, purged: [PurgedRecord]?, cursor: String?, more: Bool?
        try enter(UInt8(ascii: "{"))
        repeat {
            switch try key() {
            case "records" where records == nil: records = try self.records()
            case "purged" where purged == nil: purged = try self.purged()
            case "cursor" where cursor == nil: cursor = try text()
            case "more" where more == nil: more = try bool()
            default: throw GiveUp()
            }
        } while try next(UInt8(ascii: "}"))
        parser.skipSpace()
        guard let records, let cursor, let more, parser.i == parser.bytes.count else { throw GiveUp() }
        return PullResponse(records: records, purged: purged ?? [], cursor: cursor, more: more)
    }

    private mutating func records() throws(GiveUp) -> [ReplicatedRecord] {
        var records: [ReplicatedRecord] = []
        guard try enterUnlessEmpty(UInt8(ascii: "["), UInt8(ascii: "]")) else { return records }
        repeat { records.append(try record()) } while try next(UInt8(ascii: "]"))
        return records
    }

    /// The notices are few and rare: read through the tree, with its checks.
    private mutating func purged() throws(GiveUp) -> [PurgedRecord] {
        parser.skipSpace()
        guard let value = try? parser.value(depth: 1),
              let items = try? JSONReader(value, "purged").array(),
              let notices = try? items.map({ (item: JSONReader) throws(WireError) in try PurgedRecord(json: item.value, path: item.path) })
        else { throw GiveUp() }
        return notices
    }

    private mutating func record() throws(GiveUp) -> ReplicatedRecord {
        var collection: String?, id: String?, vector: VersionVector?
        var fields: [(name: String, siblings: [Sibling])]?, counters: [String: PNCounter]?
        try enter(UInt8(ascii: "{"))
        repeat {
            switch try key() {
            case "collection" where collection == nil: collection = try name()
            case "id" where id == nil: id = try text()
            case "vector" where vector == nil: vector = try self.vector()
            case "fields" where fields == nil: fields = try self.fields()
            case "counters" where counters == nil: counters = try self.counters()
            default: throw GiveUp()
            }
        } while try next(UInt8(ascii: "}"))
        guard let collection, let id, let vector, let fields, let counters,
              let state = RecordState(vector: vector, orderedFields: fields, counters: counters) else { throw GiveUp() }
        return ReplicatedRecord(collection: collection, id: id, state: state)
    }

    private mutating func vector() throws(GiveUp) -> VersionVector {
        var vector = VersionVector()
        guard try enterUnlessEmpty(UInt8(ascii: "["), UInt8(ascii: "]")) else { return vector }
        repeat {
            try enter(UInt8(ascii: "["))
            let dot = try dot()
            try close(UInt8(ascii: "]"))
            guard vector[dot.node] == nil else { throw GiveUp() }
            vector.advance(to: dot)
        } while try next(UInt8(ascii: "]"))
        return vector
    }

    private mutating func fields() throws(GiveUp) -> [(name: String, siblings: [Sibling])] {
        var fields: [(name: String, siblings: [Sibling])] = []
        guard try enterUnlessEmpty(UInt8(ascii: "{"), UInt8(ascii: "}")) else { return fields }
        repeat {
            let field = try name(endingWith: UInt8(ascii: ":"))
            var siblings: [Sibling] = []
            try enter(UInt8(ascii: "["))
            repeat {
                try enter(UInt8(ascii: "["))
                let dot = try dot()
                try close(UInt8(ascii: ","))
                siblings.append(Sibling(dot: dot, value: try value()))
                try close(UInt8(ascii: "]"))
            } while try next(UInt8(ascii: "]"))
            // Order (checked by the state) also rules out a name or a dot twice.
            fields.append((field, siblings))
        } while try next(UInt8(ascii: "}"))
        return fields
    }

    private mutating func counters() throws(GiveUp) -> [String: PNCounter] {
        var counters: [String: PNCounter] = [:]
        guard try enterUnlessEmpty(UInt8(ascii: "{"), UInt8(ascii: "}")) else { return counters }
        repeat {
            let counter = try name(endingWith: UInt8(ascii: ":"))
            guard counters[counter] == nil else { throw GiveUp() }
            var totals: [NodeID: PNCounter.Totals] = [:]
            if try enterUnlessEmpty(UInt8(ascii: "["), UInt8(ascii: "]")) {
                repeat {
                    try enter(UInt8(ascii: "["))
                    let node = try node()
                    try close(UInt8(ascii: ","))
                    let increments = try integer()
                    try close(UInt8(ascii: ","))
                    let decrements = try integer()
                    try close(UInt8(ascii: "]"))
                    guard totals[node] == nil, increments >= 0, decrements >= 0 else { throw GiveUp() }
                    totals[node] = PNCounter.Totals(increments: UInt64(increments), decrements: UInt64(decrements))
                } while try next(UInt8(ascii: "]"))
            }
            counters[counter] = PNCounter(totals)
        } while try next(UInt8(ascii: "}"))
        return counters
    }

    /// `node, physical ms, logical` inside a dot's array, with the tree reader's range checks.
    private mutating func dot() throws(GiveUp) -> Dot {
        let node = try node()
        try close(UInt8(ascii: ","))
        let ms = try integer()
        try close(UInt8(ascii: ","))
        let logical = try integer()
        guard ms >= 0, ms < (1 << 48), UInt64(ms) >= HLCTimestamp.earliestMillis,
              logical >= 0, UInt64(logical) <= HLCTimestamp.maxLogical else { throw GiveUp() }
        return Dot(node: node, time: HLCTimestamp(physicalMillis: UInt64(ms), logical: UInt64(logical)))
    }

    private mutating func value() throws(GiveUp) -> FieldValue {
        parser.skipSpace()
        guard parser.i < parser.bytes.count else { throw GiveUp() }
        switch parser.bytes[parser.i] {
        case UInt8(ascii: "\""): return .text(try text())
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool(try bool())
        case UInt8(ascii: "n"): try word("null"); return .null
        default: return .int(try integer())
        }
    }

    // MARK: Tokens

    private mutating func node() throws(GiveUp) -> NodeID {
        let bytes = try quoted()
        if let known = nodes.first(where: { $0.bytes.elementsEqual(bytes) }) { return known.node }
        guard let text = String(strictlyDecoding: bytes), let node = NodeID(rawValue: text) else { throw GiveUp() }
        if nodes.count < Self.rememberedNames { nodes.append((bytes, node)) }
        return node
    }

    /// A name that repeats on every record (a collection, a field, a counter).
    private mutating func name(endingWith end: UInt8? = nil) throws(GiveUp) -> String {
        let bytes = try quoted()
        if let end { try close(end) }
        if let known = names.first(where: { $0.bytes.elementsEqual(bytes) }) { return known.name }
        guard let name = String(strictlyDecoding: bytes) else { throw GiveUp() }
        if names.count < Self.rememberedNames { names.append((bytes, name)) }
        return name
    }

    /// A member name, then its colon. Member names of a page are ASCII words.
    private mutating func key() throws(GiveUp) -> String {
        try name(endingWith: UInt8(ascii: ":"))
    }

    /// Any string, escapes included (the parser's own reading).
    private mutating func text() throws(GiveUp) -> String {
        parser.skipSpace()
        let start = parser.i
        if let bytes = try? quoted(), let text = String(strictlyDecoding: bytes) { return text }
        parser.i = start
        guard parser.i < parser.bytes.count, parser.bytes[parser.i] == UInt8(ascii: "\""),
              let text = try? parser.string() else { throw GiveUp() }
        return text
    }

    /// The bytes of a string without escapes or control characters; gives up on any other.
    private mutating func quoted() throws(GiveUp) -> ArraySlice<UInt8> {
        parser.skipSpace()
        let bytes = parser.bytes
        guard parser.i < bytes.count, bytes[parser.i] == UInt8(ascii: "\"") else { throw GiveUp() }
        let start = parser.i + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { throw GiveUp() }
        parser.i = end + 1
        return bytes[start..<end]
    }

    /// A plain integer (`-`? digits, no leading zero, no fraction or
    /// exponent) that fits in 64 bits; the tree reads the other spellings.
    private mutating func integer() throws(GiveUp) -> Int64 {
        parser.skipSpace()
        let bytes = parser.bytes
        var i = parser.i
        let negative = i < bytes.count && bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let digits = i
        // Built towards the sign, so Int64.min reads too.
        var value: Int64 = 0
        while i < bytes.count, (0x30...0x39).contains(bytes[i]) {
            let digit = Int64(bytes[i] - 0x30)
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            guard !o1, !o2 else { throw GiveUp() }
            value = sum
            i += 1
        }
        guard i > digits, bytes[digits] != 0x30 || i == digits + 1 else { throw GiveUp() }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { throw GiveUp() }
        parser.i = i
        return value
    }

    private mutating func bool() throws(GiveUp) -> Bool {
        parser.skipSpace()
        guard parser.i < parser.bytes.count else { throw GiveUp() }
        if parser.bytes[parser.i] == UInt8(ascii: "t") { try word("true"); return true }
        try word("false")
        return false
    }

    private mutating func word(_ word: StaticString) throws(GiveUp) {
        let n = word.utf8CodeUnitCount
        let bytes = parser.bytes
        guard parser.i + n <= bytes.count,
              bytes[parser.i..<(parser.i + n)].elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: n)) else { throw GiveUp() }
        parser.i += n
    }

    /// Expects `byte` (after optional space) and steps past it.
    private mutating func close(_ byte: UInt8) throws(GiveUp) {
        parser.skipSpace()
        guard parser.i < parser.bytes.count, parser.bytes[parser.i] == byte else { throw GiveUp() }
        parser.i += 1
    }

    private mutating func enter(_ open: UInt8) throws(GiveUp) { try close(open) }

    /// Enters an array or object; false when it is empty (and then already closed).
    private mutating func enterUnlessEmpty(_ open: UInt8, _ end: UInt8) throws(GiveUp) -> Bool {
        try enter(open)
        parser.skipSpace()
        guard parser.i < parser.bytes.count, parser.bytes[parser.i] == end else { return true }
        parser.i += 1
        return false
    }

    /// After an item: true when a comma says another follows, false at `end`.
    private mutating func next(_ end: UInt8) throws(GiveUp) -> Bool {
        parser.skipSpace()
        guard parser.i < parser.bytes.count else { throw GiveUp() }
        let byte = parser.bytes[parser.i]
        parser.i += 1
        if byte == UInt8(ascii: ",") { return true }
        guard byte == end else { throw GiveUp() }
        return false
    }
}

extension PullResponse {
    /// Reads a pull answer's body: straight from its bytes when it is in the
    /// form hubs write, else through the JSON tree, which also says what is
    /// wrong with a bad one.
    public static func decode(_ body: [UInt8]) throws(WireError) -> PullResponse {
        if let page = PullPageReader.read(body) { return page }
        return try PullResponse(json: JSONParser.parse(body))
    }
}
