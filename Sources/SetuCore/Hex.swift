/// Lowercase hexadecimal text of bytes: state dumps, digests, tokens.
///
/// Written out rather than `String(format: "%02x")` per byte: that goes
/// through Foundation's formatter for every byte, and the state dumps the
/// convergence tests compare after each case spent 8 % of their time there.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
