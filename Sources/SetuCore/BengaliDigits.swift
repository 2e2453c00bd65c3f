/// Bengali digits (০–৯, U+09E6–U+09EF) where numbers are expected.
///
/// Offices type numbers in Bengali, and the published charter numbers its
/// rows with them; everything Setu stores uses ASCII digits.
public enum BengaliDigits {
    /// Replaces each Bengali digit with its ASCII digit, leaving everything else.
    public static func toASCII(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if (0x09E6...0x09EF).contains(scalar.value), let ascii = Unicode.Scalar(scalar.value - 0x09E6 + 0x30) {
                out.append(ascii)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Parses an optionally signed integer written in ASCII or Bengali digits.
    public static func parseInteger(_ text: String) -> Int64? {
        let ascii = toASCII(text.trimmingASCIIWhitespace())
        guard !ascii.isEmpty else { return nil }
        return Int64(ascii)
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
