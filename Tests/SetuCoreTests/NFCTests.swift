import Foundation
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
