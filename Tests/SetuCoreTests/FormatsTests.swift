import SetuCore
import Testing

@Suite struct FormatsTests {
    @Test(arguments: [("০১২৩৪৫৬৭৮৯", Int64(123_456_789)), ("১২", 12), ("42", 42), (" ৭ ", 7), ("-৫", -5)])
    func parsesBengaliAndASCIIDigits(_ text: String, _ value: Int64) {
        #expect(BengaliDigits.parseInteger(text) == value)
    }

    @Test(arguments: ["", "১২ক", "twelve", "১.৫"])
    func refusesNonNumbers(_ text: String) {
        #expect(BengaliDigits.parseInteger(text) == nil)
    }

    @Test func phonesBecomeE164InASCIIDigits() throws {
        let phone = FieldSpec("p", .phone)
        let spec = CollectionSpec(name: "t", fields: [phone])
        #expect(try spec.normalise(.text("০১৭১১-০০০০০০"), for: phone) == .text("+8801711000000"))
        #expect(try spec.normalise(.text("+880 1711 000000"), for: phone) == .text("+8801711000000"))
        #expect(try spec.normalise(.text("8801711000000"), for: phone) == .text("+8801711000000"))
        #expect(throws: ValidationError.self) { try spec.normalise(.text("১২৩"), for: phone) }
    }

    @Test func ulidsAreSortableAndValidIDs() {
        var rng = SystemRandomNumberGenerator()
        let a = RecordID.ulid(nowMillis: 1_700_000_000_000, using: &rng)
        let b = RecordID.ulid(nowMillis: 1_700_000_000_001, using: &rng)
        #expect(a.count == 26)
        #expect(RecordID.isValid(a))
        #expect(a < b)
    }
}
