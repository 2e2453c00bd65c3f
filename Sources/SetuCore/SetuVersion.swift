/// The version every executable prints (`--version`) and setud reports in
/// status: one place, so the three can never disagree.
public enum SetuVersion {
    public static let current = "0.1.0"
}
