import SetuCore
import Testing

/// `CollectionSpec.validate` walks its input once, unsorted, for speed; its
/// answer must be the one the plain rule gives (`Self.byTheRule`): every
/// field checked in name order, the first problem thrown, then the first
/// required field missing, in declaration order.
@Suite struct ValidateAnswersTests {
    /// The plain rule, written out the obvious way.
    static func byTheRule(_ spec: CollectionSpec, _ input: [String: FieldValue], mode: WriteMode) throws(ValidationError) -> ValidatedWrite {
        var out = ValidatedWrite()
        for name in input.keys.sorted() {
            guard let field = spec.field(name) else {
                throw ValidationError(.unknownField, collection: spec.name, field: name,
                                      "no such field; the fields are \(spec.fields.map(\.name).joined(separator: ", "))")
            }
            let value = try spec.normalise(input[name]!, for: field)
            if field.isCounter {
                if case .int(let n) = value { out.counters[name] = n }
            } else {
                out.values[name] = value
            }
        }
        for field in spec.fields where field.isRequired {
            let given = out.values[field.name] ?? (out.counters[field.name].map { .int($0) })
            switch (mode, given) {
            case (.whole, nil), (_, .null?):
                throw ValidationError(.missingField, collection: spec.name, field: field.name, "required field is missing or null")
            default: break
            }
        }
        if mode == .whole {
            for field in spec.valueFields where out.values[field.name] == nil { out.values[field.name] = .null }
        }
        return out
    }

    /// A value `normalise` takes for `field`, found by trying random ones.
    static func acceptedValue(_ spec: CollectionSpec, _ field: FieldSpec, using rng: inout some RandomNumberGenerator) -> FieldValue {
        let known: [FieldValue] = [.text("upazila:rupsha"), .text("citizen"), .text("submitted"), .int(12), .text("১২"), .bool(true),
                                   .text("০১৭১১-০০০০০০"), .text("Rupsha@ICTD.gov.bd"), .text("2026-11-23T14:00:00+06:00"), .text("ই-সেবা"), .int(0)]
        for _ in 0..<200 {
            let value = Bool.random(using: &rng) ? known.randomElement(using: &rng)! : CanonicalFormTests.randomValue(using: &rng)
            if value != .null, (try? spec.normalise(value, for: field)) != nil { return value }
        }
        return .null
    }

    /// Inputs that are mostly sound, with now and then a bad value, a
    /// null, an unknown name or a field left out; several problems at once
    /// are what tell the order apart.
    static func randomInput(_ spec: CollectionSpec, using rng: inout some RandomNumberGenerator) -> [String: FieldValue] {
        var input: [String: FieldValue] = [:]
        for field in spec.fields where Int.random(in: 0..<10, using: &rng) < 8 {
            input[field.name] = Int.random(in: 0..<12, using: &rng) == 0 ? CanonicalFormTests.randomValue(using: &rng) : acceptedValue(spec, field, using: &rng)
        }
        for unknown in ["aaa", "colour", "zzz", "Office"] where Int.random(in: 0..<25, using: &rng) == 0 { input[unknown] = .text("x") }
        return input
    }

    @Test func answersAsThePlainRuleOverRandomInputs() {
        var rng = SystemRandomNumberGenerator()
        var accepted = 0, refused = 0, refusedMissing = 0
        for spec in Collections.all {
            for _ in 0..<1_500 {
                let input = Self.randomInput(spec, using: &rng)
                for mode in [WriteMode.whole, .patch] {
                    let expected = Result { () throws(ValidationError) in try Self.byTheRule(spec, input, mode: mode) }
                    let answered = Result { () throws(ValidationError) in try spec.validate(input, mode: mode) }
                    #expect(answered == expected, "\(spec.name) \(mode) \(input)")
                    switch expected {
                    case .success: accepted += 1
                    case .failure(let error): refused += 1; if error.code == .missingField { refusedMissing += 1 }
                    }
                }
            }
        }
        // Enough of each answer to have compared them.
        #expect(accepted > 1_000)
        #expect(refused > 1_000)
        #expect(refusedMissing > 100)
    }

    @Test func ofSeveralProblemsTheFirstByNameIsThrown() {
        let input: [String: FieldValue] = ["zzz": .text("x"), "serial": .text("বারো"), "officer_email": .text("nobody"), "name": .null]
        do {
            _ = try Collections.services.validate(input, mode: .patch)
            Issue.record("accepted four problems")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.field == "officer_email")
        }
    }
}
