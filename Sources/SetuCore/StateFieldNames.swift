/// The field and counter names format 2 of a state writes as one small
/// number instead of spelling them (`StateCodec`): a third of a state's
/// metadata was its field names, the same dozen in every record.
///
/// **Frozen.** The list is part of format 2: a reader of format 2 must map
/// a number to the same name whatever release wrote it, and an older node
/// must pass on a field it does not declare. A name declared after this
/// list was made is spelt out in the state, which every format 2 reader
/// reads; adding it here would be a new format (`docs/SCHEMA-CHANGES.md`).
public enum StateFieldNames {
    /// Numbered from 1 in this order; 0 means the name is spelt out. In
    /// byte order, as a state's fields are, so two numbered names order as
    /// their numbers do and the decoder compares numbers, not strings. The
    /// names of the three collections at the time format 2 was made.
    public static let frozen: [String] = [
        "_deleted", "applicant_name", "applicant_nid", "applicant_phone", "assigned_to", "category",
        "delivery_method", "description", "documents", "due_at", "enterprise", "entrepreneur", "fee",
        "fee_paid_paisa", "fee_paisa", "listed", "name", "notes", "office", "officer_email", "officer_office",
        "officer_phone", "officer_title", "price_paisa", "section", "serial", "service_id", "status", "stock",
        "submitted_at", "time_limit", "title", "unit",
    ]

    /// The numbered names by their first byte: a name is compared with the
    /// few that share it (short strings compare whole, in a step), where a
    /// dictionary hashed each name of every state encoded.
    private static let byFirstByte: [[(name: String, code: UInt64)]] = frozen.enumerated().reduce(into: Array(repeating: [], count: 256)) {
        $0[Int($1.element.utf8.first!)].append(($1.element, UInt64($1.offset + 1)))
    }

    /// The number of `name`, or 0 when it is spelt out.
    static func code(of name: String) -> UInt64 {
        guard let first = name.utf8.first else { return 0 }
        for numbered in byFirstByte[Int(first)] where numbered.name == name { return numbered.code }
        return 0
    }

    /// The name numbered `code` (1-based), or nil for a number outside the list.
    static func name(_ code: UInt64) -> String? {
        code >= 1 && code <= UInt64(frozen.count) ? frozen[Int(code - 1)] : nil
    }
}
