import SetuCore

/// Times as a person reads them in a table: "3 min ago", "9 days ago".
public enum RelativeTime {
    /// "just now", "3 min ago", "5 h ago", "9 days ago"; "never" for nil.
    public static func ago(millis: Int64?) -> String {
        guard let millis else { return "never" }
        let seconds = millis / 1000
        return seconds < 60 ? "just now" : "\(span(seconds: seconds)) ago"
    }

    /// "45 s", "3 min", "5 h", "9 days", "3 years": the largest unit that
    /// fits, whole, so a column stays short.
    public static func span(seconds: Int64) -> String {
        let s = max(0, seconds)
        switch s {
        case ..<60: return "\(s) s"
        case ..<3_600: return "\(s / 60) min"
        case ..<172_800: return "\(s / 3_600) h"
        case ..<(730 * 86_400): return "\(s / 86_400) days"
        default: return "\(s / (365 * 86_400)) years"
        }
    }

    /// "90s", "30m", "24h", "7d", "2w", in ASCII or Bengali digits (`২৪h`),
    /// at most nine digits; nil for anything else.
    public static func parseDuration(_ text: String) -> Int64? {
        let ascii = BengaliDigits.toASCII(text)
        let digits = ascii.dropLast()
        guard let unit = ascii.last, (1...9).contains(digits.count), digits.allSatisfy(\.isASCIIDigit), let n = Int64(digits) else { return nil }
        let seconds: Int64
        switch unit {
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3_600
        case "d": seconds = 86_400
        case "w": seconds = 7 * 86_400
        default: return nil
        }
        return n * seconds * 1000
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
