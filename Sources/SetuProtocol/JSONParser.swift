/// A strict RFC 8259 parser over bytes.
public struct JSONParser {
    /// Nesting deeper than this is refused: a hostile body cannot exhaust the stack.
    public static let maxDepth = 64

    let bytes: [UInt8]
    var i = 0

    public static func parse(_ bytes: some Collection<UInt8>) throws(WireError) -> JSONValue {
        var parser = JSONParser(bytes: Array(bytes))
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.i == parser.bytes.count else { throw parser.fail("unexpected data after the JSON value") }
        return value
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    func fail(_ problem: String) -> WireError {
        WireError("", "invalid JSON at byte \(i): \(problem)")
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    mutating func value(depth: Int) throws(WireError) -> JSONValue {
        guard depth < JSONParser.maxDepth else { throw fail("nested deeper than \(JSONParser.maxDepth) levels") }
        guard i < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(WireError) {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count, bytes[i..<(i + n)].elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: n)) else {
            throw fail("unexpected character")
        }
        i += n
    }

    private mutating func object(depth: Int) throws(WireError) -> JSONValue {
        i += 1
        var members: [(key: String, value: JSONValue)] = []
        // Names seen, for the duplicate check; kept only once an object is
        // large: a record's dozen names are compared one by one, which
        // costs less than hashing each into a set (the set was some 11 %
        // of setuctl's CPU reading a 100k-record import, under perf).
        var keys: Set<String>?
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a member name in quotes") }
            let key = try string()
            guard !Self.names(members, &keys, include: key) else { throw fail("duplicate member \"\(key)\"") }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            i += 1
            skipSpace()
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            throw fail("expected ',' or '}'")
        }
    }

    /// Whether `members` already has a member named `key`. Past
    /// `linearNames` members the names go into `keys`, which then answers.
    private static func names(_ members: [(key: String, value: JSONValue)], _ keys: inout Set<String>?, include key: String) -> Bool {
        if keys == nil, members.count < linearNames { return members.contains { $0.key == key } }
        if keys == nil { keys = Set(members.lazy.map(\.key)) }
        return !keys!.insert(key).inserted
    }

    /// How many members an object has before its names are hashed.
    static let linearNames = 16

    private mutating func array(depth: Int) throws(WireError) -> JSONValue {
        i += 1
        var items: [JSONValue] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end of input") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            throw fail("expected ',' or ']'")
        }
    }

    mutating func string() throws(WireError) -> String {
        i += 1
        var out: [UInt8] = []
        let start = i
        // Fast path: no escapes.
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 { i += 1 }
        if i < bytes.count, bytes[i] == UInt8(ascii: "\"") {
            // Most strings: read in place, no copy of the bytes first.
            guard let text = String(strictlyDecoding: bytes[start..<i]) else {
                throw WireError("", "invalid UTF-8 in a string starting at byte \(start); send UTF-8")
            }
            i += 1
            return text
        }
        out.append(contentsOf: bytes[start..<i])
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b < 0x20 { throw fail("control character in a string; escape it") }
            if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw fail("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("unpaired surrogate escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw fail("unpaired surrogate escape")
                }
                guard let s = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                out.append(contentsOf: String(Character(s)).utf8)
            default: throw fail("invalid escape")
            }
        }
        guard let text = String(strictlyDecoding: out[...]) else {
            throw WireError("", "invalid UTF-8 in a string starting at byte \(start); send UTF-8")
        }
        return text
    }

    private mutating func hex4() throws(WireError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func number() throws(WireError) -> JSONValue {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { throw fail("invalid number") }
        if bytes[i] == 0x30 { i += 1 } else { while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 } }
        var integral = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            integral = false
            i += 1
            guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { throw fail("invalid number") }
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            integral = false
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, (0x30...0x39).contains(bytes[i]) else { throw fail("invalid number") }
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1 }
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if integral {
            guard let n = Int64(text) else { throw WireError("", "integer at byte \(start) is out of range") }
            return .int(n)
        }
        guard let d = Double(text), d.isFinite else { throw fail("invalid number") }
        // 5.0 and 5e0 are the integer 5 in JSON's data model (and in JSON
        // Schema, which the API document is checked with); exact only
        // within ±2^53, beyond which a double no longer holds every integer.
        if d == d.rounded(), d.magnitude < 9_007_199_254_740_992 { return .int(Int64(d)) }
        return .double(d)
    }
}
