/// How a field's siblings become the one value shown in the plain table.
public enum MergePolicy: Hashable, Sendable {
    /// Greatest dot (HLC, then node id).
    case lastWriterWins
    /// Furthest along `order` wins; equal ranks fall back to last-writer-wins.
    /// Values outside `order` rank below all of them.
    case rank([String])
    /// A PN-counter; never has siblings.
    case counter
}
