import Foundation

/// Whether a write carries the whole record or only some fields.
public enum WriteMode: Sendable {
    /// Every required field must be present; absent optional fields become null.
    case whole
    /// Only the given fields change; a required field cannot be set to null.
    case patch
}

/// A write that passed validation: canonical values, and counter values
/// (absolute targets; the engine turns them into deltas).
public struct ValidatedWrite: Hashable, Sendable {
    public var values: [String: FieldValue]
    public var counters: [String: Int64]

    public init(values: [String: FieldValue] = [:], counters: [String: Int64] = [:]) {
        self.values = values
        self.counters = counters
    }
}

extension CollectionSpec {
    /// Checks every field of `input` against the declaration and returns the
    /// canonical form (NFC text, E.164 phones, UTC times, ASCII digits).
    /// Nothing is partially accepted. Of several problems, the one thrown is
    /// the first by field name (in `String`'s order), then a required field
    /// missing, first in declaration order, so the same input always gets
    /// the same answer.
    ///
    /// One walk over the input, without sorting its names: every imported
    /// record passes through here, twice (setuctl, then setud), and
    /// sorting, looking each name up again and growing the result had cost
    /// more than checking the values.
    public func validate(_ input: [String: FieldValue], mode: WriteMode) throws(ValidationError) -> ValidatedWrite {
        var out = ValidatedWrite(values: mode == .whole ? nullValues : Dictionary(minimumCapacity: input.count))
        var firstProblem: (name: String, error: ValidationError)?
        var requiredGiven = 0, requiredNull = 0
        for (name, given) in input {
            if let first = firstProblem, !(name < first.name) { continue }
            guard let position = index[name] else {
                firstProblem = (name, ValidationError(.unknownField, collection: self.name, field: name,
                                                      "no such field; the fields are \(fields.map(\.name).joined(separator: ", "))"))
                continue
            }
            let spec = fields[position]
            let value: FieldValue
            do { value = try normalise(given, for: spec) } catch {
                firstProblem = (name, error)
                continue
            }
            if spec.isRequired {
                if value == .null { requiredNull += 1 } else { requiredGiven += 1 }
            }
            if spec.isCounter {
                if case .int(let n) = value { out.counters[name] = n }
            } else {
                out.values[name] = value
            }
        }
        if let firstProblem { throw firstProblem.error }
        if requiredNull > 0 || (mode == .whole && requiredGiven < requiredCount) { throw missingRequired(in: out, mode: mode) }
        return out
    }

    /// The first required field, in declaration order, that a validated
    /// write leaves null, or leaves out when it is `.whole`.
    private func missingRequired(in out: ValidatedWrite, mode: WriteMode) -> ValidationError {
        for spec in fields where spec.isRequired {
            let given = out.values[spec.name] ?? (out.counters[spec.name].map { .int($0) })
            switch (mode, given) {
            case (.whole, nil), (_, .null?):
                return ValidationError(.missingField, collection: name, field: spec.name, "required field is missing or null")
            default: continue
            }
        }
        preconditionFailure("missingRequired called with every required field given")
    }

    /// The canonical stored form of one value, or a typed error naming the field.
    public func normalise(_ value: FieldValue, for spec: FieldSpec) throws(ValidationError) -> FieldValue {
        func fail(_ code: ValidationError.Code, _ detail: String) -> ValidationError {
            ValidationError(code, collection: name, field: spec.name, detail)
        }
        // A function, not a value: building the message costs more than
        // checking a valid value, and valid values are the common case.
        func wrongType() -> ValidationError { fail(.wrongType, "expected \(spec.type.expectation), got \(value.kindName)") }
        if value == .null {
            if spec.isCounter { throw fail(.wrongType, "a counter cannot be null; send 0 or an adjustment") }
            return .null
        }
        if case .text(let raw) = value, raw.utf8.withContiguousStorageIfAvailable({ $0.contains(0) }) ?? raw.utf8.contains(0) {
            throw fail(.invalidValue, "text contains a NUL character")
        }
        switch spec.type {
        case .text(let maxBytes):
            guard case .text(let raw) = value else { throw wrongType() }
            let nfc = NFC.normalise(raw)
            guard nfc.utf8.count <= maxBytes else {
                throw fail(.tooLong, "\(nfc.utf8.count) bytes of UTF-8, the limit is \(maxBytes)")
            }
            if spec.name == "office", !FieldFormats.isOfficeCode(nfc) {
                throw fail(.invalidValue, "expected an office code such as upazila:rupsha (lowercase kind:name)")
            }
            return .text(nfc)
        case .integer, .counter:
            let number: Int64
            switch value {
            case .int(let n): number = n
            case .text(let t):
                guard let n = BengaliDigits.parseInteger(t) else { throw wrongType() }
                number = n
            default: throw wrongType()
            }
            if case .integer(let range) = spec.type, !range.contains(number) {
                throw fail(.invalidValue, "\(number) is outside \(range.lowerBound)…\(range.upperBound)")
            }
            return .int(number)
        case .boolean:
            switch value {
            case .bool: return value
            case .int(0): return .bool(false)
            case .int(1): return .bool(true)
            default: throw wrongType()
            }
        case .timestamp:
            guard case .text(let raw) = value else { throw wrongType() }
            guard let utc = FieldFormats.timestamp(raw) else {
                throw fail(.invalidValue, "expected \(spec.type.expectation)")
            }
            return .text(utc)
        case .choice(let words):
            guard case .text(let raw) = value else { throw wrongType() }
            guard words.contains(raw) else { throw fail(.invalidValue, "expected \(spec.type.expectation)") }
            return value
        case .phone:
            guard case .text(let raw) = value else { throw wrongType() }
            guard let e164 = FieldFormats.phone(raw) else { throw fail(.invalidValue, "expected \(spec.type.expectation)") }
            return .text(e164)
        case .email:
            guard case .text(let raw) = value else { throw wrongType() }
            guard let email = FieldFormats.email(raw), email.utf8.count <= 254 else {
                throw fail(.invalidValue, "expected \(spec.type.expectation)")
            }
            return .text(email)
        }
    }

    /// Whether `value` is already exactly what `normalise` makes of it, found
    /// without building the canonical form: every state another replica
    /// sends is checked this way, so it is on the path of every sync. It must
    /// agree with `normalise`; a property test holds the two together.
    ///
    /// `withinLimits: false` leaves out the length of text and the range of
    /// integers, for states from peers: a newer release may have widened
    /// them (docs/SCHEMA-CHANGES.md).
    public func isCanonical(_ value: FieldValue, for spec: FieldSpec, withinLimits: Bool = true) -> Bool {
        switch (spec.type, value) {
        case (_, .null):
            return !spec.isCounter
        case (.text(let maxBytes), .text(let text)):
            return Self.isStorableText(text, maxBytes: withinLimits ? maxBytes : RecordState.maxForeignTextBytes) && NFC.isNormalised(text)
                && (spec.name != "office" || FieldFormats.isOfficeCode(text))
        case (.integer(let range), .int(let number)):
            return !withinLimits || range.contains(number)
        case (.counter, .int), (.boolean, .bool):
            return true
        case (.timestamp, .text(let text)):
            return FieldFormats.timestamp(text) == text
        case (.choice(let words), .text(let text)):
            return words.contains(text)
        case (.phone, .text(let text)):
            return FieldFormats.isCanonicalPhone(text)
        case (.email, .text(let text)):
            return text.utf8.count <= 254 && FieldFormats.isCanonicalEmail(text)
        default:
            return false
        }
    }

    /// At most `maxBytes` of UTF-8 and no NUL.
    static func isStorableText(_ text: String, maxBytes: Int) -> Bool {
        let bytes = text.utf8
        guard bytes.count <= maxBytes else { return false }
        return !(bytes.withContiguousStorageIfAvailable { $0.contains(0) } ?? bytes.contains(0))
    }

    /// Decodes text that arrived as raw bytes (a SQLite column, a wire body),
    /// refusing invalid UTF-8 instead of silently substituting U+FFFD.
    public func text(fromUTF8 bytes: some Collection<UInt8>, field: String) throws(ValidationError) -> FieldValue {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ValidationError(.invalidUTF8, collection: name, field: field, "the bytes are not valid UTF-8; re-save the text as UTF-8")
        }
        return .text(text)
    }

    /// Checks a record id.
    public func checkID(_ id: String) throws(ValidationError) {
        guard RecordID.isValid(id) else {
            throw ValidationError(.invalidID, collection: name, field: "id",
                                  "ids are 1–64 ASCII letters, digits, '-', '_' or '.'")
        }
    }
}
