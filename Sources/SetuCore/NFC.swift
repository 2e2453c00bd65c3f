/// Unicode NFC normalisation for stored text.
///
/// Uses the Swift standard library's own normaliser (the one behind String
/// comparison and hashing) rather than Foundation's, which on Linux goes
/// through CFString and costs microseconds per call: validation and remote
/// apply normalise every text field of every record. A test checks it
/// against Foundation on the real Bengali charter.
public enum NFC {
    public static func normalise(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        let nfc = text._nfcCodeUnits
        if nfc.elementsEqual(text.utf8) { return text }
        return String(decoding: nfc, as: UTF8.self)
    }
}
