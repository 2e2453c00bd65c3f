import Foundation
import SetuCore
import SetuImport
import Testing

@Suite struct CharterParserTests {
    static let charter = try! String(contentsOf: Bundle.module.url(forResource: "Fixtures/rupsha-citizen-charter", withExtension: "txt")!, encoding: .utf8)

    @Test func readsThe22ServicesOfTheRupshaCharter() throws {
        let result = try CharterParser.parse(Self.charter, office: "upazila:rupsha")
        #expect(result.services.count == 22)
        #expect(result.services.filter { $0.section == "citizen" }.count == 6)
        #expect(result.services.filter { $0.section == "institutional" }.count == 11)
        #expect(result.services.filter { $0.section == "internal" }.count == 5)
        #expect(result.services.filter { $0.section == "institutional" }.map(\.serial) == Array(1...11))
        for service in result.services {
            #expect(throws: Never.self) { try Collections.services.validate(service.fields, mode: .whole) }
        }
    }

    @Test func splitsTheOfficerCellAndKeepsEveryColumn() throws {
        let first = try #require(try CharterParser.parse(Self.charter, office: "upazila:rupsha").services.first)
        #expect(first.fields["serial"] == .int(1))
        #expect(first.fields["name"] == .text("আইসিটি অধিদপ্তর সংক্রান্ত তথ্য প্রদান"))
        #expect(first.fields["delivery_method"] == .text("দাপ্তরিক ওয়েব সাইট/টেলিফোন/ ই-মেইল/ সরাসরি"))
        #expect(first.fields["documents"] == .text("প্রযোজ্য ক্ষেত্রে আবেদনপত্র, জেলা কার্যালয়, খুলনা"))
        #expect(first.fields["fee"] == .text("বিনামূল্যে"))
        #expect(first.fields["fee_paisa"] == .int(0))
        #expect(first.fields["time_limit"] == .text("তাৎক্ষণিক/কার্য দিবস (প্রযোজ্য ক্ষেত্রে)"))
        #expect(first.fields["officer_title"] == .text("সহকারী প্রোগ্রামার"))
        #expect(first.fields["officer_office"] == .text("উপজেলা কার্যালয়, রুপসা, খুলনা"))
        #expect(first.fields["officer_phone"] == .text("+880255039757"))
        #expect(first.fields["officer_email"] == .text("doictrupsha@gmail.com"))
        let policyFee = try CharterParser.parse(Self.charter, office: "upazila:rupsha").services.first { $0.section == "citizen" && $0.serial == 6 }
        #expect(policyFee?.fields["fee_paisa"] == .null, "a fee by policy has no fixed sum")
    }

    @Test func keepsTheOfficeSpellingAsPublished() throws {
        let offices = Set(try CharterParser.parse(Self.charter, office: "upazila:rupsha").services.compactMap { service -> String? in
            if case .text(let o)? = service.fields["officer_office"] { return o } else { return nil }
        })
        #expect(offices.count == 2, "the charter spells রুপসা and বুপসা; import does not correct it")
    }

    @Test func aBrokenLineIsReportedWithItsNumberAndSkippedOnlyOnRequest() throws {
        var lines = Self.charter.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let target = lines.firstIndex { $0.hasPrefix("৩\t") }!
        lines[target] = lines[target].replacingOccurrences(of: "\t", with: " ", options: [], range: lines[target].range(of: "\t"))
        let broken = lines.joined(separator: "\n")
        do {
            _ = try CharterParser.parse(broken, office: "upazila:rupsha")
            Issue.record("a broken line was accepted")
        } catch let error as CharterParser.LineError {
            #expect(error.line == target + 1)
            #expect(error.problem.contains("7 tab-separated columns"))
        }
        let skipping = try CharterParser.parse(broken, office: "upazila:rupsha", skipBad: true)
        #expect(skipping.services.count == 21)
        #expect(skipping.skipped.map(\.line) == [target + 1])
    }
}

/// Charters as offices save them: Windows (CRLF), old Mac (CR), with a BOM.
@Suite struct CharterLineEndingTests {
    static let charter = CharterParserTests.charter

    @Test(arguments: [("CRLF", "\r\n", false), ("CR", "\r", false), ("CRLF with a BOM", "\r\n", true), ("LF with a BOM", "\n", true)])
    func everyLineEndingReadsTheSame22Services(_ name: String, _ ending: String, _ bom: Bool) throws {
        let lines = Self.charter.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
        let saved = (bom ? "\u{FEFF}" : "") + lines.joined(separator: ending)
        let expected = try CharterParser.parse(Self.charter, office: "upazila:rupsha").services
        let read = try CharterParser.parse(saved, office: "upazila:rupsha").services
        #expect(read.count == 22, "\(name)")
        #expect(read == expected, "\(name): the same services, line numbers included")
    }

    @Test func aFileWithNoServiceIsAnErrorThatSaysWhatWasExpected() {
        #expect {
            try CharterParser.parse("a letter, not a charter\nwith no table\n", office: "upazila:rupsha")
        } throws: { error in
            "\(error)".contains("no service") && "\(error)".contains("নাগরিক সেবা")
        }
    }
}
