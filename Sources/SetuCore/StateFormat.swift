/// The byte forms of a stored state (`StateCodec`), told apart by their
/// first byte.
///
/// Format 1 spells every field name and every sibling's dot in full. Format
/// 2 writes the same state in about 60 % of the bytes (issue 14): field names
/// by a number from a frozen list (`StateFieldNames`), each distinct dot once,
/// clocks relative to the vector, a text's tag and length in one byte.
///
/// Releases that know format 2 read both, store format 2, and write format 1
/// only where an older release may read it: the states pages of a pull that
/// did not ask for format 2, and bundles (`docs/SCHEMA-CHANGES.md`).
public enum StateFormat: UInt8, Sendable, Hashable, CaseIterable, Comparable {
    case v1 = 1
    case v2 = 2

    /// What this release writes into replicas and hubs.
    public static let current = StateFormat.v2

    /// The format of stored bytes, or nil when the first byte names none
    /// this release knows.
    public init?(of bytes: some Collection<UInt8>) {
        guard let first = bytes.first, let format = StateFormat(rawValue: first) else { return nil }
        self = format
    }

    public static func < (a: StateFormat, b: StateFormat) -> Bool { a.rawValue < b.rawValue }
}
