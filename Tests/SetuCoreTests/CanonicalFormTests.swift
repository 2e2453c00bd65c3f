import SetuCore
import Testing

/// `isCanonical` is the fast check every received state goes through; it must
/// say yes exactly when `normalise` would leave a value as it is.
@Suite struct CanonicalFormTests {
    /// Pieces that build near-misses of every format: Bengali (composed and
    /// decomposed), digits of both scripts, phone and e-mail punctuation,
    /// office codes, times, choice words, NUL, spaces, upper case.
    static let fragments = [
        "", "a", "Z", "ক", "ো", "\u{9C7}\u{9BE}", "\u{9DC}", "e\u{301}", "০১৭১১", "৫", "0", "1711000000", "880", "+", "00",
        "@", ".", "example", "GOV", "bd", " ", "-", "(", ":", "upazila", "rupsha", "_", "\u{0}", "T", "Z",
        "2026-11-23T14:00:00+06:00", "2026-11-23T08:00:00Z", "citizen", "submitted", "approved",
        String(repeating: "অ", count: 90),
    ]

    static func randomValue(using rng: inout some RandomNumberGenerator) -> FieldValue {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int64.random(in: -3...1_000_001, using: &rng))
        default:
            let pieces = (0..<Int.random(in: 0...5, using: &rng)).map { _ in fragments.randomElement(using: &rng)! }
            return .text(pieces.joined())
        }
    }

    @Test func isCanonicalAgreesWithNormaliseOnEveryField() {
        var rng = SystemRandomNumberGenerator()
        var canonicalSeen = 0
        for spec in Collections.all {
            for field in spec.fields {
                for _ in 0..<400 {
                    let value = Self.randomValue(using: &rng)
                    let normalised = try? spec.normalise(value, for: field)
                    let expected = normalised.map { $0.isIdentical(to: value) } ?? false
                    #expect(spec.isCanonical(value, for: field) == expected, "\(spec.name).\(field.name): \(value)")
                    // Whatever normalise returns is itself canonical.
                    if let normalised {
                        #expect(spec.isCanonical(normalised, for: field), "\(spec.name).\(field.name): \(normalised)")
                        canonicalSeen += 1
                    }
                }
            }
        }
        #expect(canonicalSeen > 1_000)
    }

    @Test(arguments: ["+8801711000000", "+44207946000"])
    func canonicalPhonesPass(_ phone: String) {
        #expect(Collections.services.isCanonical(.text(phone), for: Collections.services.field("officer_phone")!))
    }

    @Test(arguments: ["8801711000000", "+08801711000", "+880 1711000000", "+৮৮০১৭১১০০০০০০", "+1234567"])
    func nonCanonicalPhonesFail(_ phone: String) {
        #expect(!Collections.services.isCanonical(.text(phone), for: Collections.services.field("officer_phone")!))
    }

    @Test(arguments: ["Rupsha@ictd.gov.bd", "a@b.c"])
    func canonicalEmailsPass(_ email: String) {
        #expect(Collections.services.isCanonical(.text(email), for: Collections.services.field("officer_email")!))
    }

    @Test(arguments: ["rupsha@ICTD.gov.bd", "@b.c", "a@.b", "a@b.", "a@b", "a@b@c.d", " a@b.c", "a@b.c\u{0}"])
    func nonCanonicalEmailsFail(_ email: String) {
        #expect(!Collections.services.isCanonical(.text(email), for: Collections.services.field("officer_email")!))
    }
}
