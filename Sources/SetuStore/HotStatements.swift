import GRDB

/// The statements a write transaction runs for every state it stores, each
/// taken from GRDB's statement cache once per transaction rather than once
/// per row.
///
/// GRDB keys its cache by the SQL text, so every lookup hashes the whole
/// statement: with two or three per record (the state, the plain row, the
/// lookup of a held state) those lookups were about 5 % of the write
/// thread's instructions in an apply (callgrind). The statements stay GRDB's: it
/// finalises them, and `BoundStatement` leaves each one reset.
final class HotStatements {
    /// What a statement does; with the collection's number
    /// (`CollectionKey`), its slot.
    enum Kind: Int, CaseIterable {
        case insertState, updateState, selectState, insertRow, updateRow, selectStateAndRow
    }

    private var slots = [Statement?](repeating: nil, count: Kind.allCases.count * (CollectionKey.numbered.count + 1))

    /// The statement for `sql`. `collection` is the number of the collection
    /// a row statement is for (`PlainTable.number`): nil for a collection
    /// without one, whose statements go through GRDB's cache each time.
    func statement(_ kind: Kind, collection: Int64? = 0, sql: String, in db: Database) throws -> Statement {
        guard let collection else { return try db.cachedStatement(sql: sql) }
        let slot = kind.rawValue * (CollectionKey.numbered.count + 1) + Int(collection)
        if let statement = slots[slot] { return statement }
        let statement = try db.cachedStatement(sql: sql)
        slots[slot] = statement
        return statement
    }
}
