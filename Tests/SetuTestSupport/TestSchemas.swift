import SetuCore

/// Schemas of other releases, to play a fleet upgraded one PC at a time.
public enum TestSchemas {
    /// The next release as the tests play it: products gain `weight_grams`
    /// (the e-commerce platform's shipping asks for it), and a new
    /// collection `stalls` (a display centre's stalls at a district fair)
    /// with a counter of its own.
    public static let newer = Schema.current.adding(
        version: Schema.current.version + 1,
        fields: ["products": [FieldSpec("weight_grams", .integer(0...1_000_000))]],
        collections: [CollectionSpec(name: "stalls", fields: [
            FieldSpec("office", .text(maxBytes: 64), required: true),
            FieldSpec("name", .text(maxBytes: 256), required: true, review: true),
            FieldSpec("fair", .text(maxBytes: 256)),
            FieldSpec("visitors", .counter),
        ])])
}
