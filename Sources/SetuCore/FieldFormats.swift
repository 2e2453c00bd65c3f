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

    /// An office code such as `upazila:rupsha` or `district:khulna`.
    static func isOfficeCode(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, text.utf8.count <= 64 else { return false }
        return text.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x3A
        }
    }
}
