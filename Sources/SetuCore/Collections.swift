/// The three collections Setu replicates (DESIGN §3), declared in one place.
///
/// Every record also has an `office` (the owning office code, which decides
/// who may read and write it) and a text `id`.
public enum Collections {
    /// The number of this declaration (see `Schema`): add one whenever a
    /// field or collection is added or a limit changes, and say in
    /// docs/SCHEMA-CHANGES.md whether the change is compatible.
    public static let schemaVersion = 1

    /// The request workflow, in the order a request moves along it; `rank`
    /// resolution picks the furthest of concurrent statuses. `rejected` ranks
    /// above `approved`, so a concurrent rejection is never hidden behind an
    /// approval; both stay listed as an open conflict either way.
    public static let requestStatuses = ["submitted", "in_review", "approved", "rejected", "delivered"]

    public static let services = CollectionSpec(name: "services", fields: [
        FieldSpec("office", .text(maxBytes: 64), required: true),
        FieldSpec("section", .choice(["citizen", "institutional", "internal"]), required: true),
        FieldSpec("serial", .integer(1...9_999), required: true),
        FieldSpec("name", .text(maxBytes: 1_024), required: true, review: true),
        FieldSpec("delivery_method", .text(maxBytes: 4_096), review: true),
        FieldSpec("documents", .text(maxBytes: 8_192), review: true),
        FieldSpec("fee", .text(maxBytes: 1_024)),
        FieldSpec("fee_paisa", .integer(0...1_000_000_000_00)),
        FieldSpec("time_limit", .text(maxBytes: 512)),
        FieldSpec("officer_title", .text(maxBytes: 256)),
        FieldSpec("officer_office", .text(maxBytes: 512)),
        FieldSpec("officer_phone", .phone),
        FieldSpec("officer_email", .email),
    ])

    public static let requests = CollectionSpec(name: "requests", fields: [
        FieldSpec("office", .text(maxBytes: 64), required: true),
        FieldSpec("service_id", .text(maxBytes: 64), required: true),
        FieldSpec("applicant_name", .text(maxBytes: 256), required: true),
        FieldSpec("applicant_phone", .phone, required: true),
        FieldSpec("applicant_nid", .text(maxBytes: 32)),
        FieldSpec("submitted_at", .timestamp, required: true),
        FieldSpec("status", .choice(requestStatuses), required: true, policy: .rank(requestStatuses)),
        FieldSpec("assigned_to", .text(maxBytes: 256)),
        FieldSpec("due_at", .timestamp),
        FieldSpec("notes", .text(maxBytes: 8_192), review: true),
        FieldSpec("fee_paid_paisa", .integer(0...1_000_000_000_00)),
    ])

    public static let products = CollectionSpec(name: "products", fields: [
        FieldSpec("office", .text(maxBytes: 64), required: true),
        FieldSpec("entrepreneur", .text(maxBytes: 256), required: true),
        FieldSpec("enterprise", .text(maxBytes: 256)),
        FieldSpec("title", .text(maxBytes: 512), required: true, review: true),
        FieldSpec("category", .text(maxBytes: 128)),
        FieldSpec("description", .text(maxBytes: 8_192), review: true),
        FieldSpec("price_paisa", .integer(0...1_000_000_000_00), required: true),
        FieldSpec("stock", .counter),
        FieldSpec("unit", .text(maxBytes: 64)),
        FieldSpec("listed", .boolean),
    ])

    public static let all: [CollectionSpec] = [services, requests, products]

    public static func named(_ name: String) -> CollectionSpec? {
        Schema.current.named(name)
    }
}
