import GRDB

extension SQLiteHubStorage {
    /// Scopes of more offices than this are chosen by one SQL statement
    /// instead of a merge: the merge keeps one compiled statement per
    /// office and reader connection.
    static let mergedScopeLimit = 64

    /// The first `limit` feed positions past `cursor` in a scope (its
    /// offices and the national range), in order.
    ///
    /// Each office's range of the office index is walked in `seq` order and
    /// the walks are merged, so a page reads about `limit` index entries
    /// plus one per office. One statement of per-office sub-selects
    /// (`UNION ALL`, each `LIMIT limit`) read `limit` entries from every
    /// office: 51 × 500 for a district's page of 500, most of a district
    /// pull's CPU.
    static func feedPositions(_ db: Database, offices: [String], after cursor: Int64, limit: Int) throws -> [Int64] {
        let distinct = Array(Set(offices)).sorted()
        guard distinct.count <= mergedScopeLimit else {
            let (positions, arguments) = scoped(
                "SELECT seq FROM hub_records INDEXED BY hub_records_office WHERE %SCOPE% AND seq > ? ORDER BY seq LIMIT ?",
                offices: distinct, extra: [cursor, limit])
            return try Int64.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT seq FROM (\(positions)) ORDER BY seq LIMIT ?"),
                                      arguments: arguments + [limit])
        }
        // The national range holds several offices (`all:…`): its walk is
        // sorted by SQLite, and bounded by the page.
        var walks = [try Int64.fetchCursor(db.cachedStatement(sql: """
            SELECT seq FROM hub_records INDEXED BY hub_records_office
            WHERE office >= 'all:' AND office < 'all;' AND seq > ? ORDER BY seq LIMIT ?
            """), arguments: [cursor, limit])]
        for (n, office) in distinct.enumerated() {
            // A text per walk: cursors open at once need statements of their own.
            walks.append(try Int64.fetchCursor(db.cachedStatement(sql: """
                SELECT seq FROM hub_records INDEXED BY hub_records_office WHERE office = ? AND seq > ? ORDER BY seq /* walk \(n) */
                """), arguments: [office, cursor]))
        }
        var next = try walks.map { try $0.next() }
        var positions: [Int64] = []
        positions.reserveCapacity(limit)
        while positions.count < limit {
            var smallest: Int? = nil
            for (n, seq) in next.enumerated() {
                guard let seq else { continue }
                if let best = smallest, let bestSeq = next[best], bestSeq <= seq { continue }
                smallest = n
            }
            guard let smallest, let seq = next[smallest] else { break }
            // A national office listed by name is also in the national walk.
            if positions.last != seq { positions.append(seq) }
            next[smallest] = try walks[smallest].next()
        }
        // A cursor resets its statement when released: released here, inside
        // the read transaction, as a statement left stepping would hold its snapshot.
        walks.removeAll()
        return positions
    }
}
