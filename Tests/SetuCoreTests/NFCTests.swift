import Foundation
import PropertyBased
import SetuCore
import Testing

@Suite struct NFCTests {
    static let charter = try! String(contentsOfFile: #filePath.replacingOccurrences(of: "NFCTests.swift", with: "Fixtures/rupsha-citizen-charter.txt"), encoding: .utf8)

    @Test func agreesWithFoundationOnTheRealCharterLineByLine() {
        for line in Self.charter.split(separator: "\n").map(String.init) {
            #expect(Array(NFC.normalise(line).utf8) == Array(line.precomposedStringWithCanonicalMapping.utf8))
            let nfd = line.decomposedStringWithCanonicalMapping
            #expect(Array(NFC.normalise(nfd).utf8) == Array(nfd.precomposedStringWithCanonicalMapping.utf8))
        }
    }

    @Test func composesBengaliVowelSignsAndKeepsExcludedNuktaFormsDecomposed() {
        #expect(Array(NFC.normalise("ক\u{9C7}\u{9BE}").unicodeScalars.map(\.value)) == [0x995, 0x9CB])
        // U+09DC is a composition exclusion: NFC is ড + nukta.
        #expect(Array(NFC.normalise("\u{9DC}").unicodeScalars.map(\.value)) == [0x9A1, 0x9BC])
    }
}

extension NFCTests {
    @Test func theQuickCheckNeverCallsNonNFCTextNFC() async {
        // Random strings over the scalars that matter: letters of one, two and
        // four UTF-8 bytes (which the check decodes by hand), combining marks,
        // Bengali letters and signs (the composing and excluded ones too).
        let alphabet: [Unicode.Scalar] = [0x61, 0x65, 0xE9, 0x301, 0x416, 0x1F600, 0x995, 0x9A1, 0x9BC, 0x9BE, 0x9C7, 0x9CB, 0x9CD, 0x9D7, 0x9DC, 0x9DF, 0x9E6, 0x200C, 0x200D, 0x2014]
            .map { Unicode.Scalar($0)! }
        await propertyCheck(count: 2_000, input: Gen.int(in: 0...(alphabet.count - 1)).array(of: 1...8)) { picks in
            var text = ""
            text.unicodeScalars.append(contentsOf: picks.map { alphabet[$0] })
            let foundation = Array(text.precomposedStringWithCanonicalMapping.utf8)
            #expect(Array(NFC.normalise(text).utf8) == foundation)
        }
    }
}
