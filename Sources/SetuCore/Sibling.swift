/// One value of a field that no other known write has superseded.
///
/// A field normally has one sibling; several mean concurrent writes. Each node
/// contributes at most one sibling per field (its newest write has seen its
/// older ones), so the sibling count is bounded by the number of writers.
public struct Sibling: Hashable, Sendable {
    public let dot: Dot
    public let value: FieldValue

    public init(dot: Dot, value: FieldValue) {
        self.dot = dot
        self.value = value
    }
}
