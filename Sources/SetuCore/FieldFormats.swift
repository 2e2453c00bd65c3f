/// Normalisers for the typed text formats: each returns the canonical stored
/// form, or nil when the input is not of that format.
enum FieldFormats {
    /// E.164 with ASCII digits. Accepts Bengali digits, spaces, hyphens,
    /// dots and brackets, and the Bangladeshi local forms `01711…` and `8801711…`.
    static func phone(_ raw: String) -> String? {
        var plus = false
        var digits: [UInt8] = []
        for scalar in raw.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x30...0x39: digits.append(UInt8(v))
            case 0x9E6...0x9EF: digits.append(UInt8(v - 0x9E6 + 0x30))
            case 0x2B where !plus && digits.isEmpty: plus = true
            case 0x20, 0x2D, 0x28, 0x29, 0x2E: continue
            default: return nil
            }
        }
        if !plus {
            if digits.starts(with: Array("880".utf8)) { plus = true }
            else if digits.first == 0x30 && digits.count == 11 { digits = Array("88".utf8) + digits; plus = true }
            else if digits.starts(with: Array("00".utf8)) { digits.removeFirst(2); plus = true }
        }
        guard plus, (8...15).contains(digits.count), digits.first != 0x30 else { return nil }
        return "+" + String(decoding: digits, as: UTF8.self)
    }

    /// A plain `local@domain.tld` check in ASCII; the domain is lowercased.
    static func email(_ raw: String) -> String? {
        let bytes = Array(raw.trimmingASCIIWhitespace().utf8)
        guard let at = bytes.firstIndex(of: 0x40), at > 0, bytes.lastIndex(of: 0x40) == at,
              bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        let domain = bytes[(at + 1)...].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        guard domain.contains(0x2E), domain.first != 0x2E, domain.last != 0x2E else { return nil }
        return String(decoding: bytes[...at] + domain, as: UTF8.self)
    }

    /// RFC 3339 in, UTC out: `2026-11-23T14:00:00+06:00` → `2026-11-23T08:00:00Z`.
    static func timestamp(_ raw: String) -> String? {
        RFC3339.parse(raw.trimmingASCIIWhitespace()).map { RFC3339.format(millis: $0) }
    }

    /// Whether `text` is already what `phone` returns: `+`, then 8–15 ASCII
    /// digits, the first not 0.
    static func isCanonicalPhone(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (9...16).contains(bytes.count), bytes.first == 0x2B else { return false }
        let digits = bytes.dropFirst()
        return digits.first != 0x30 && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Whether `text` is already what `email` returns: printable ASCII, one
    /// `@` after something, a lowercase domain with an inner dot.
    static func isCanonicalEmail(_ text: String) -> Bool {
        var at: Int?
        var domainDots = 0
        var index = 0
        var last: UInt8 = 0
        for b in text.utf8 {
            guard b > 0x20 && b < 0x7F else { return false }
            if b == 0x40 {
                guard at == nil, index > 0 else { return false }
                at = index
            } else if let at {
                if b >= 0x41 && b <= 0x5A { return false }
                if b == 0x2E {
                    if index == at + 1 { return false }
                    domainDots += 1
                }
            }
            last = b
            index += 1
        }
        return at != nil && domainDots > 0 && last != 0x2E
    }

    /// An office code such as `upazila:rupsha` or `district:khulna`: two
    /// non-empty parts joined by one colon, lowercase ASCII, digits, `-`, `_`.
    static func isOfficeCode(_ text: String) -> Bool {
        var colon: Int?
        var count = 0
        for b in text.utf8 {
            if b == 0x3A {
                guard colon == nil, count > 0 else { return false }
                colon = count
            } else if !((b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F) {
                return false
            }
            count += 1
        }
        guard let colon, count <= 64 else { return false }
        return colon < count - 1
    }
}
