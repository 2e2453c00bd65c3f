/// A size as operators write it: `700M`, `20M`, `512K`, `1G`, or bytes.
public enum ByteSize {
    public static let hint = "a size such as 700M, 20M, 512K or 1G (at least 64K)"

    public static func parse(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        var digits = Substring(text.uppercased())
        var scale = 1
        if let last = digits.last, let unit = units[last] {
            scale = unit
            digits = digits.dropLast()
        }
        guard let n = Int(digits), n > 0, n <= Int.max / scale, n * scale >= 64 << 10 else { return nil }
        return n * scale
    }
}
