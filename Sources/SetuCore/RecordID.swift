/// Record ids: text, generated offline without coordination.
public enum RecordID {
    /// 1–64 ASCII letters, digits, `-`, `_`, `.`, so ids are safe in URLs and file names.
    public static func isValid(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
        }
    }

    private static let crockford = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// A ULID: 48 bits of milliseconds then 80 random bits, in Crockford base32.
    /// Sorts by creation time; collisions need two writes in one millisecond
    /// drawing the same 80 random bits.
    public static func ulid(nowMillis: UInt64, using rng: inout some RandomNumberGenerator) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: nowMillis >> (8 * (5 - i))) }
        for i in 6..<16 { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        var value = bytes.reduce(into: (hi: UInt64(0), lo: UInt64(0))) { acc, b in
            acc.hi = (acc.hi << 8) | (acc.lo >> 56)
            acc.lo = (acc.lo << 8) | UInt64(b)
        }
        var chars = [UInt8](repeating: 0, count: 26)
        for i in stride(from: 25, through: 0, by: -1) {
            chars[i] = crockford[Int(value.lo & 31)]
            value.lo = (value.lo >> 5) | (value.hi << 59)
            value.hi >>= 5
        }
        return String(decoding: chars, as: UTF8.self)
    }
}
