import Foundation
import PropertyBased
import SetuProtocol
import Testing

/// Strings are written as JSON exactly: every byte the grammar requires
/// escaped (quote, backslash, controls below 0x20) and nothing else, so
/// Bengali stays raw UTF-8. Checked against Foundation's parser, an
/// implementation independent of ours, and against fixed bytes.
@Suite struct JSONWriterTests {
    static let alphabet: [String] = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        + ["\"", "\\", "/", "a", "Z", "0", " ", "\u{7f}", "ক", "জন্ম নিবন্ধন", "৫০", "é", "😀", "\u{2028}"]

    @Test func anyStringReadsBackAsItWasWritten() async {
        await propertyCheck(count: 500, input: Gen.uint64().array(of: 0...80)) { (draws: [UInt64]) throws in
            let text = draws.map { Self.alphabet[Int($0 % UInt64(Self.alphabet.count))] }.joined()
            let bytes = JSONWriter.write(.array([.string(text)]))
            let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String]
            #expect(parsed == [text], "\(String(decoding: bytes, as: UTF8.self))")
            #expect(try JSONParser.parse(bytes) == .array([.string(text)]))
        }
    }

    @Test func escapesExactlyWhatTheGrammarRequires() {
        let text = "a\"b\\c/d\ne\rf\tg\u{01}h\u{1f}ক৫"
        #expect(JSONWriter.string(.string(text)) == #""a\"b\\c/d\ne\rf\tg\u0001h\u001fক৫""#)
        #expect(JSONWriter.string(.object([("নাম", .string("")), ("k", .string("plain"))])) == #"{"নাম":"","k":"plain"}"#)
    }
}
