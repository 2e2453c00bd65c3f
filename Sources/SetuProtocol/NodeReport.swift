/// What an office tells the hub about itself with each sync, in the
/// `Setu-Report` header of the sync's first pull: a few dozen bytes that let
/// the hub answer "which offices are behind, and why" without ever reaching
/// into them (they are the ones offline for weeks).
///
/// The header is `key=value` pairs joined by `&`, values percent-encoded
/// (UTF-8), like a URL query: `version=0.1.0&pending=3&conflicts=0&set_aside=0&skew=-2`.
/// Keys a reader does not know are skipped, so an older hub reads a newer
/// office's report; a known key with a bad value refuses the request (400),
/// as any malformed input does.
public struct NodeReport: Hashable, Sendable {
    /// The office's setud version (`setud --version`).
    public var version: String
    /// Local changes not yet acknowledged by the hub.
    public var pending: Int
    /// Age of the oldest of them; nil when none waits.
    public var oldestUnsentSeconds: Int?
    public var conflicts: Int
    /// Writes set aside (`setuctl rejects`).
    public var setAside: Int
    /// Products sold past zero there (online and over the counter).
    /// Sent only when there are some, so an idle report stays as short.
    public var oversold: Int
    /// The hub's clock less the office PC's, as last measured; nil before
    /// the first measurement.
    public var clockSkewSeconds: Int?
    /// Why the office's last sync or local write failed; nil when the last
    /// one worked. Cut to `maxErrorBytes`.
    public var lastError: String?

    /// The longest header value a hub reads.
    public static let maxBytes = 1_024
    /// An error message is cut to this many UTF-8 bytes (before encoding).
    public static let maxErrorBytes = 240
    static let counts = 0...1_000_000_000
    static let seconds = -10_000_000_000...10_000_000_000

    public init(version: String, pending: Int, oldestUnsentSeconds: Int? = nil, conflicts: Int = 0, setAside: Int = 0,
                oversold: Int = 0, clockSkewSeconds: Int? = nil, lastError: String? = nil) {
        self.version = version
        self.pending = pending
        self.oldestUnsentSeconds = oldestUnsentSeconds
        self.conflicts = conflicts
        self.setAside = setAside
        self.oversold = oversold
        self.clockSkewSeconds = clockSkewSeconds
        self.lastError = lastError.map { Self.cut($0, toBytes: Self.maxErrorBytes) }
    }

    public var headerValue: String {
        var pairs: [(String, String)] = [("version", version), ("pending", String(pending))]
        if let oldestUnsentSeconds { pairs.append(("oldest_unsent", String(oldestUnsentSeconds))) }
        pairs.append(("conflicts", String(conflicts)))
        pairs.append(("set_aside", String(setAside)))
        if oversold > 0 { pairs.append(("oversold", String(oversold))) }
        if let clockSkewSeconds { pairs.append(("skew", String(clockSkewSeconds))) }
        if let lastError { pairs.append(("error", lastError)) }
        return pairs.map { "\($0.0)=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
    }

    public init(headerValue: String) throws(WireError) {
        let path = SyncHeader.report
        guard headerValue.utf8.count <= Self.maxBytes else { throw WireError(path, "longer than \(Self.maxBytes) bytes") }
        var values: [String: String] = [:]
        for pair in headerValue.split(separator: "&", omittingEmptySubsequences: false) {
            guard let equals = pair.firstIndex(of: "=") else { throw WireError(path, "expected key=value pairs joined by &") }
            let key = String(pair[..<equals])
            guard let value = PercentEncoding.decode(pair[pair.index(after: equals)...]) else {
                throw WireError(path, "\(key): bad percent-encoding or not UTF-8")
            }
            guard values.updateValue(value, forKey: key) == nil else { throw WireError(path, "\(key) appears twice") }
        }
        func int(_ key: String, _ range: ClosedRange<Int>) throws(WireError) -> Int? {
            guard let text = values[key] else { return nil }
            guard let n = Int(text), range.contains(n), String(n) == text else {
                throw WireError(path, "\(key) must be a whole number in \(range.lowerBound)…\(range.upperBound) (got \(text.prefix(24)))")
            }
            return n
        }
        guard let version = values["version"], (1...32).contains(version.utf8.count),
              version.utf8.allSatisfy({ PercentEncoding.isUnreserved($0) || $0 == UInt8(ascii: "+") })
        else { throw WireError(path, "version must be 1–32 letters, digits or . + - _ ~") }
        guard let pending = try int("pending", Self.counts) else { throw WireError(path, "pending is missing") }
        self.version = version
        self.pending = pending
        oldestUnsentSeconds = try int("oldest_unsent", Self.counts)
        conflicts = try int("conflicts", Self.counts) ?? 0
        setAside = try int("set_aside", Self.counts) ?? 0
        oversold = try int("oversold", Self.counts) ?? 0
        clockSkewSeconds = try int("skew", Self.seconds)
        if let error = values["error"] {
            guard error.utf8.count <= Self.maxErrorBytes else { throw WireError(path, "error is longer than \(Self.maxErrorBytes) bytes") }
            lastError = error
        } else {
            lastError = nil
        }
    }

    /// `text` cut to at most `limit` UTF-8 bytes, on a character boundary,
    /// ending in "…" when it was cut.
    static func cut(_ text: String, toBytes limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var out = ""
        var bytes = 3 // the "…"
        for character in text {
            bytes += character.utf8.count
            guard bytes <= limit else { break }
            out.append(character)
        }
        return out + "…"
    }
}

/// RFC 3986 percent-encoding of UTF-8: unreserved characters as they are,
/// every other byte as %XX.
enum PercentEncoding {
    static func encode(_ text: String) -> String {
        var out = ""
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }

    /// nil for a malformed escape, a byte outside the visible ASCII range,
    /// or bytes that are not UTF-8.
    static func decode(_ text: Substring) -> String? {
        // Most values (numbers, versions) hold no escape: no copy for them.
        if !text.utf8.contains(UInt8(ascii: "%")) {
            return text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) ? String(text) : nil
        }
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            guard byte > 0x20, byte < 0x7F else { return nil }
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard input.count >= 2, let high = hexValue(input.popFirst()!), let low = hexValue(input.popFirst()!) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
