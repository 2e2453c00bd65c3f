/// Re-encodes stored states in the current `StateFormat`, batch by batch,
/// so memory stays flat whatever the table's size: the replica's and the
/// SQLite hub's migrations give it their reads and writes.
public enum StateFormatMigration {
    /// Rows per batch: large enough that the statements cost little beside
    /// the encoding, small enough that a batch is a few hundred kilobytes.
    public static let batch = 1_000

    /// `fetch(after, limit)` returns up to `limit` rows keyed above `after`
    /// in key order whose state is not empty and not in the current format;
    /// `store` writes one row's new bytes. A state that does not decode
    /// stops the migration, naming its key.
    public static func run(fetch: (_ after: Int64, _ limit: Int) throws -> [(key: Int64, state: [UInt8])],
                           store: (_ key: Int64, _ state: [UInt8]) throws -> Void) throws {
        var after = Int64.min
        while true {
            let rows = try fetch(after, batch)
            guard let last = rows.last else { return }
            for row in rows {
                do {
                    try store(row.key, try StateCodec.transcode(row.state, to: .current))
                } catch let error as StateCodecError {
                    throw StateCodecError("row \(row.key): \(error.detail); restore the file from a backup")
                }
            }
            after = last.key
        }
    }

    /// SQLite's read of `run`'s rows from `table` (keyed by `seq`):
    /// arguments `after` and `limit`. A state's first byte is its format.
    public static func sqliteSelect(table: String) -> String {
        "SELECT seq, state FROM \(table) WHERE seq > ? AND length(state) > 0 "
            + "AND substr(state, 1, 1) <> x'\(Hex.encode([StateFormat.current.rawValue]))' ORDER BY seq LIMIT ?"
    }

    /// SQLite's write of one row `run` re-encoded: arguments `state`, `seq`.
    public static func sqliteUpdate(table: String) -> String {
        "UPDATE \(table) SET state = ? WHERE seq = ?"
    }
}
