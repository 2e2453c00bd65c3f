import SetuCore
import Testing

@Suite struct CollectionSpecValidationTests {
    static let service: [String: FieldValue] = [
        "office": .text("upazila:rupsha"), "section": .text("citizen"), "serial": .text("১২"),
        "name": .text("ই-সেবা"), "officer_phone": .text("০১৭১১-০০০০০০"), "fee_paisa": .int(5_000),
    ]

    @Test func normalisesBengaliDigitsPhonesAndFillsAbsentOptionalFields() throws {
        let write = try Collections.services.validate(Self.service, mode: .whole)
        #expect(write.values["serial"] == .int(12))
        #expect(write.values["officer_phone"] == .text("+8801711000000"))
        #expect(write.values["documents"] == .null)
        #expect(write.values.count == Collections.services.fields.count)
    }

    @Test func normalisesTextToNFC() throws {
        // "কো" typed as ক + ে + া (U+09C7 U+09BE) must be stored as ক + ো (U+09CB).
        var input = Self.service
        input["name"] = .text("ক\u{9C7}\u{9BE}র্স Cafe\u{301}")
        let write = try Collections.services.validate(input, mode: .whole)
        guard case .text(let stored)? = write.values["name"] else { Issue.record("name missing"); return }
        #expect(Array(stored.unicodeScalars.map(\.value)).contains(0x09CB))
        #expect(!stored.unicodeScalars.contains { $0.value == 0x09C7 || $0.value == 0x301 })
        #expect(stored.unicodeScalars.contains { $0.value == 0xE9 })
    }

    @Test func convertsTimesToUTC() throws {
        let write = try Collections.requests.validate(["submitted_at": .text("2026-11-23T14:00:00+06:00")], mode: .patch)
        #expect(write.values["submitted_at"] == .text("2026-11-23T08:00:00Z"))
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        let collection: CollectionSpec
        let input: [String: FieldValue]
        let mode: WriteMode
        let code: ValidationError.Code
        let field: String?
        var testDescription: String { "\(collection.name) \(code) \(field ?? "-")" }
    }

    static let badInputs: [BadInput] = [
        BadInput(collection: Collections.services, input: ["serial": .text("বারো")], mode: .patch, code: .wrongType, field: "serial"),
        BadInput(collection: Collections.services, input: ["serial": .bool(true)], mode: .patch, code: .wrongType, field: "serial"),
        BadInput(collection: Collections.services, input: ["name": .int(3)], mode: .patch, code: .wrongType, field: "name"),
        BadInput(collection: Collections.services, input: ["colour": .text("red")], mode: .patch, code: .unknownField, field: "colour"),
        BadInput(collection: Collections.services, input: ["name": .text(String(repeating: "ক", count: 400))], mode: .patch, code: .tooLong, field: "name"),
        BadInput(collection: Collections.services, input: ["section": .text("secret")], mode: .patch, code: .invalidValue, field: "section"),
        BadInput(collection: Collections.services, input: ["serial": .int(0)], mode: .patch, code: .invalidValue, field: "serial"),
        BadInput(collection: Collections.services, input: ["office": .text("Rupsha Office")], mode: .patch, code: .invalidValue, field: "office"),
        BadInput(collection: Collections.services, input: ["officer_phone": .text("call me")], mode: .patch, code: .invalidValue, field: "officer_phone"),
        BadInput(collection: Collections.services, input: ["officer_email": .text("nobody")], mode: .patch, code: .invalidValue, field: "officer_email"),
        BadInput(collection: Collections.services, input: ["name": .null], mode: .patch, code: .missingField, field: "name"),
        BadInput(collection: Collections.services, input: ["office": .text("upazila:rupsha")], mode: .whole, code: .missingField, field: "section"),
        BadInput(collection: Collections.services, input: ["name": .text("a\u{0}b")], mode: .patch, code: .invalidValue, field: "name"),
        BadInput(collection: Collections.requests, input: ["submitted_at": .text("yesterday")], mode: .patch, code: .invalidValue, field: "submitted_at"),
        BadInput(collection: Collections.requests, input: ["status": .text("lost")], mode: .patch, code: .invalidValue, field: "status"),
        BadInput(collection: Collections.products, input: ["listed": .text("yes")], mode: .patch, code: .wrongType, field: "listed"),
        BadInput(collection: Collections.products, input: ["stock": .null], mode: .patch, code: .wrongType, field: "stock"),
        BadInput(collection: Collections.products, input: ["price_paisa": .int(-1)], mode: .patch, code: .invalidValue, field: "price_paisa"),
    ]

    @Test(arguments: badInputs)
    func refusesBadInputNamingTheFieldAndTheProblem(_ bad: BadInput) {
        do {
            _ = try bad.collection.validate(bad.input, mode: bad.mode)
            Issue.record("accepted bad input")
        } catch {
            #expect(error.code == bad.code)
            #expect(error.field == bad.field)
            #expect(error.description.hasPrefix("\(bad.collection.name).\(bad.field ?? "")"))
        }
    }

    @Test func errorTextNeverRepeatsTheValue() {
        do {
            _ = try Collections.requests.validate(["applicant_phone": .text("secret-number-123")], mode: .patch)
            Issue.record("accepted a bad phone")
        } catch {
            #expect(!error.description.contains("secret"))
        }
    }

    @Test func refusesInvalidUTF8NamingTheField() throws {
        #expect(throws: ValidationError.self) { try Collections.services.text(fromUTF8: [0x61, 0xFF, 0x62], field: "name") }
        do {
            _ = try Collections.services.text(fromUTF8: [0xC3], field: "documents")
        } catch {
            #expect(error.code == .invalidUTF8)
            #expect(error.field == "documents")
        }
        #expect(try Collections.services.text(fromUTF8: Array("সেবা".utf8), field: "name") == .text("সেবা"))
    }

    @Test func refusesInvalidIDs() {
        #expect(throws: ValidationError.self) { try Collections.services.checkID("") }
        #expect(throws: ValidationError.self) { try Collections.services.checkID("a b") }
        #expect(throws: ValidationError.self) { try Collections.services.checkID(String(repeating: "x", count: 65)) }
        #expect(throws: Never.self) { try Collections.services.checkID("01JDQ7K3M9ZX") }
    }
}

