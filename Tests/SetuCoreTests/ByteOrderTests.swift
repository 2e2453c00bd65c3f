import SetuCore
import Testing

/// `precedesInByteOrder` is the order states keep their fields, vectors
/// their nodes and counters their names in: it must be plain UTF-8 byte
/// order for short strings (held inline) and long ones alike.
@Suite struct ByteOrderTests {
    static let pieces = ["", "a", "b", "_", "Z", "office", "officer_office_name", "ক", "\u{9CB}", "e\u{301}", "é", "~", "\u{7F}", "😀", "0"]

    @Test func isTheOrderOfTheUTF8Bytes() {
        var rng = SystemRandomNumberGenerator()
        var before = 0
        for _ in 0..<20_000 {
            let a = (0..<Int.random(in: 0...4, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
            let b = Bool.random(using: &rng) ? a + Self.pieces.randomElement(using: &rng)! : (0..<Int.random(in: 0...4, using: &rng)).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
            let expected = Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
            #expect(a.precedesInByteOrder(b) == expected, "\(a.debugDescription) \(b.debugDescription)")
            #expect(b.precedesInByteOrder(a) == Array(b.utf8).lexicographicallyPrecedes(Array(a.utf8)), "\(b.debugDescription) \(a.debugDescription)")
            if expected { before += 1 }
        }
        #expect(before > 5_000)
        // NFC-equal strings are equal to String's `<` but not in bytes.
        #expect("é".precedesInByteOrder("e\u{301}") == false && "e\u{301}".precedesInByteOrder("é"))
    }
}
