/// Unicode NFC normalisation for stored text.
///
/// Almost all text Setu sees (ASCII, Bengali typed on a normal keyboard) is
/// already NFC, so a quick check over the scalars answers first; only text
/// that might not be NFC goes through the Swift standard library's own
/// normaliser (the one behind String comparison and hashing), which is much
/// faster than Foundation's CFString path on Linux. A test checks the result
/// against Foundation on the real Bengali charter.
public enum NFC {
    public static func normalise(_ text: String) -> String {
        if isQuicklyNFC(text) { return text }
        let nfc = text._nfcCodeUnits
        if nfc.elementsEqual(text.utf8) { return text }
        return String(decoding: nfc, as: UTF8.self)
    }

    /// Whether `normalise(text)` would return `text` unchanged.
    public static func isNormalised(_ text: String) -> Bool {
        isQuicklyNFC(text) || text._nfcCodeUnits.elementsEqual(text.utf8)
    }

    /// True only when `text` is certainly NFC: every scalar is below U+0300,
    /// in Bengali (apart from the composing or excluded signs), or in General
    /// Punctuation (ZWJ, ZWNJ, dashes), with combining classes in order.
    static func isQuicklyNFC(_ text: String) -> Bool {
        if let answer = text.utf8.withContiguousStorageIfAvailable(isQuicklyNFC(utf8:)) { return answer }
        var native = text
        native.makeContiguousUTF8()
        return native.utf8.withContiguousStorageIfAvailable(isQuicklyNFC(utf8:))!
    }

    /// `isQuicklyNFC` over a String's bytes (valid UTF-8 by construction),
    /// decoding scalars by hand: received states check every text value this
    /// way, and the scalar iterator cost more than the check.
    private static func isQuicklyNFC(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var previous: UInt32 = 0
        var previousClass: UInt8 = 0
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let v: UInt32
            if lead < 0x80 {
                v = UInt32(lead)
                i += 1
            } else if lead < 0xE0 {
                v = UInt32(lead & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                i += 2
            } else if lead < 0xF0 {
                v = UInt32(lead & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                i += 3
            } else {
                return false  // beyond the BMP: left to the full check
            }
            if v < 0x300 { previous = v; previousClass = 0; continue }
            let bengali = (0x980...0x9FF).contains(v)
            guard bengali || (0x2000...0x206F).contains(v) else { return false }
            // U+09BE and U+09D7 compose with a preceding U+09C7; U+09DC, U+09DD,
            // U+09DF are composition exclusions (NFC decomposes them).
            if (v == 0x9BE || v == 0x9D7) && previous == 0x9C7 { return false }
            if v == 0x9DC || v == 0x9DD || v == 0x9DF { return false }
            let combiningClass: UInt8 = bengali ? (v == 0x9BC ? 7 : v == 0x9CD ? 9 : 0) : 0
            if combiningClass != 0 && previousClass > combiningClass { return false }
            previous = v
            previousClass = combiningClass
        }
        return true
    }
}
