/// Normalisers for the typed text formats: each returns the canonical stored
/// form, or nil when the input is not of that format.
enum FieldFormats {
    /// E.164 with ASCII digits. Accepts Bengali digits, spaces, hyphens and
    /// brackets, and the Bangladeshi local forms `01711…` and `8801711…`.
    static func phone(_ raw: String) -> String? {
        let ascii = BengaliDigits.toASCII(raw)
        var plus = false
        var digits = ""
        for (i, ch) in ascii.enumerated() {
            if ch == "+" && i == 0 { plus = true; continue }
            if ch.isASCII && ch.isNumber { digits.append(ch); continue }
            if ch == " " || ch == "-" || ch == "(" || ch == ")" || ch == "." { continue }
            return nil
        }
        if !plus {
            if digits.hasPrefix("880") { plus = true }
            else if digits.hasPrefix("0") && digits.count == 11 { digits = "88" + digits; plus = true }
            else if digits.hasPrefix("00") { digits.removeFirst(2); plus = true }
        }
        guard plus, (8...15).contains(digits.count), digits.first != "0" else { return nil }
        return "+" + digits
    }

    /// A plain `local@domain.tld` check; the domain is lowercased.
    static func email(_ raw: String) -> String? {
        let text = raw.trimmingASCIIWhitespace()
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              text.allSatisfy({ $0.isASCII && !$0.isWhitespace }),
              !parts[1].hasPrefix("."), !parts[1].hasSuffix(".")
        else { return nil }
        return "\(parts[0])@\(parts[1].lowercased())"
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
