import Foundation
import GRDB
import SetuCore

/// A state as the replica stores it: text values its plain row shows are
/// left out and read back from the row (`StateCodec+RowBacked`), so a
/// replica does not hold each value twice (issue 14, `docs/COMPACT-REPLICA.md`).
///
/// Every read of `setu_records.state` goes through `decode`, which fills the
/// left-out values from the row's pre-image when an outside change is not
/// stamped yet (`PlainTable.preimageTable`), else from the row itself, and
/// checks them against the state's checksum.
public enum StoredState {
    /// The bytes to store for `state` when the plain row will show `row`
    /// (values in declaration order; nil: no row, nothing left out).
    static func encode(_ state: RecordState, row: [FieldValue]?, spec: CollectionSpec?, numbering: NodeNumbering) -> [UInt8] {
        guard let row, let spec else { return StateCodec.encode(state) }
        var cursor = FieldCursor(spec)
        return StateCodec.encode(state, numbering: numbering) { name, text in rowHolds(row, spec, &cursor, name, text) }
    }

    /// A stored state read on its own, without its row: each value left to
    /// the row is null, and `inRow` names those fields (what a benchmark
    /// reading a replica file counts).
    public static func skeleton(_ bytes: [UInt8], in db: Database) throws -> (state: RecordState, inRow: [String]) {
        try StateCodec.decodeWithoutRow(bytes, numbering: NodeNumbers.inFile(db))
    }

    /// Whether stored bytes write a node out by its id where the replica's
    /// number could stand (`NodeNumbers`): a state prepared off the write
    /// thread before its node had a number.
    static func namesNodes(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.first == StateCodec.rowBackedByte else { return false }
        var reader = ByteReader(bytes)
        _ = try? reader.byte()
        guard let count = try? reader.count() else { return false }
        for _ in 0..<count {
            guard let number = try? reader.varint() else { return false }
            if number == 0 { return true }
        }
        return false
    }

    /// Whether `row` (declaration order) holds exactly `text` in the TEXT
    /// column of field `name`; `cursor` walks the fields in state order.
    static func rowHolds(_ row: [FieldValue], _ spec: CollectionSpec, _ cursor: inout FieldCursor, _ name: String, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { rowHolds(row, spec, &cursor, name, $0) }
    }

    /// The same for a text's UTF-8 bytes.
    static func rowHolds(_ row: [FieldValue], _ spec: CollectionSpec, _ cursor: inout FieldCursor, _ name: String,
                         _ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let position = cursor.position(of: name), spec.fields[position].type.sqliteType == "TEXT",
              case .text(var shown) = row[position] else { return false }
        return shown.withUTF8 { $0.count == utf8.count && ($0.count == 0 || memcmp($0.baseAddress!, utf8.baseAddress!, $0.count) == 0) }
    }

    /// A stored state, its left-out values read from the row.
    static func decode(_ bytes: [UInt8], _ collection: String, _ id: String, in db: Database, schema: Schema,
                       numbering: NodeNumbering) throws -> RecordState {
        guard StateCodec.isRowBacked(bytes) else { return try reading(collection, id) { () throws(StateCodecError) in try StateCodec.decode(bytes) } }
        guard let spec = schema.named(collection) else {
            let row = try undeclaredRowText(collection, id, in: db)
            return try reading(collection, id) { () throws(StateCodecError) in try StateCodec.decode(bytes, numbering: numbering) { row?[$0] } }
        }
        let table = PlainTable.of(spec)
        var select = BoundStatement(try db.cachedStatement(sql: table.selectStoredRowSQL), in: db)
        select.bind(id)
        return try decode(bytes, collection, id, table: table, row: try select.firstRowTexts(count: table.textFields.count), numbering: numbering)
    }

    /// A stored state beside `row`, the text of `table.textFields` (nil: no
    /// row).
    static func decode(_ bytes: [UInt8], _ collection: String, _ id: String, table: PlainTable, row: [String?]?,
                       numbering: NodeNumbering) throws -> RecordState {
        try reading(collection, id) { () throws(StateCodecError) in
            guard StateCodec.isRowBacked(bytes) else { return try StateCodec.decode(bytes) }
            return try StateCodec.decode(bytes, numbering: numbering) { name in table.textFields.firstIndex(of: name).flatMap { row?[$0] } }
        }
    }

    /// A decode's error as the operator's: a row changed unseen, or a
    /// damaged state.
    static func reading<T>(_ collection: String, _ id: String, _ body: () throws(StateCodecError) -> T) throws -> T {
        do {
            return try body()
        } catch where error.rowChanged {
            throw ReplicaError.rowChangedUnseen(collection, id, error)
        } catch {
            throw ReplicaError.unreadableState(collection, id, error)
        }
    }

    /// Stored bytes as every other node would store the state: format 2,
    /// with every value in it (a dump, a bundle).
    static func canonical(_ blob: Data, _ collection: String, _ id: String, in db: Database, schema: Schema,
                          numbering: NodeNumbering) throws -> [UInt8] {
        let bytes = Array(blob)
        guard StateCodec.isRowBacked(bytes) else { return bytes }
        return StateCodec.encode(try decode(bytes, collection, id, in: db, schema: schema, numbering: numbering))
    }

    /// The `Data` a query returned, as `decode` reads it.
    static func decode(_ blob: Data, _ collection: String, _ id: String, in db: Database, schema: Schema,
                       numbering: NodeNumbering) throws -> RecordState {
        try decode(Array(blob), collection, id, in: db, schema: schema, numbering: numbering)
    }

    /// The text columns of a row in a table this schema does not declare: a
    /// newer release showed the collection, and this one was installed
    /// over it. Read by the table's own columns, with its pre-image.
    private static func undeclaredRowText(_ collection: String, _ id: String, in db: Database) throws -> [String: String]? {
        guard try db.tableExists(collection) else { return nil }
        let columns = try textColumns(of: collection, in: db)
        let preimages = try db.tableExists(PlainTable.preimageTable(of: collection))
        return try rowText(db.makeStatement(sql: selectText(columns, of: collection, preimages: preimages)), columns: columns, id)
    }

    /// The TEXT columns of a table as the file declares it, but its id.
    static func textColumns(of table: String, in db: Database) throws -> [String] {
        try db.columns(in: table).filter { $0.type.uppercased() == "TEXT" && $0.name != "id" }.map(\.name)
    }

    /// A select of `columns` (as BLOBs) of a row by id (`?1`), from its
    /// pre-image when there is one.
    static func selectText(_ columns: [String], of table: String, preimages: Bool) -> String {
        let cols = columns.isEmpty ? "NULL" : columns.map { "CAST(\"\($0)\" AS BLOB)" }.joined(separator: ", ")
        let fromRow = "SELECT \(cols) FROM \"\(table)\" WHERE \"id\" = ?1"
        return preimages ? "SELECT \(cols) FROM \"\(PlainTable.preimageTable(of: table))\" WHERE \"id\" = ?1 UNION ALL \(fromRow) LIMIT 1" : fromRow
    }

    /// The text of `columns` read with `select` (of them as BLOBs, by id),
    /// by column; nil when there is no row. A value that is not valid UTF-8
    /// is left out, so the state's checksum refuses it.
    static func rowText(_ select: Statement, columns: [String], _ id: String) throws -> [String: String]? {
        guard let row = try Row.fetchOne(select, arguments: [id]) else { return nil }
        var text: [String: String] = [:]
        for (index, field) in columns.enumerated() {
            guard let data = row[index] as Data?,
                  let value = data.withUnsafeBytes({ String(strictlyDecoding: $0.bindMemory(to: UInt8.self)) }) else { continue }
            text[field] = value
        }
        return text
    }

    /// The bytes to store for `state` beside a row that holds `text` (what
    /// `rowText` read): a value is left out only where the row holds it.
    static func encode(_ state: RecordState, holding text: [String: String], numbering: NodeNumbering) -> [UInt8] {
        StateCodec.encode(state, numbering: numbering) { name, value in text[name].map { FieldValue.text($0).isIdentical(to: .text(value)) } ?? false }
    }

    /// Stores every state of `collection` with all its values, reading the
    /// left-out ones with `select` (of `columns`, by id): before a plain
    /// table is made anew, whose columns may go.
    static func putValuesBack(_ collection: String, select: Statement, columns: [String], in db: Database) throws {
        let numbering = NodeNumbers.inFile(db)
        try rewriteStates(of: collection, in: db) { id, bytes in
            guard StateCodec.isRowBacked(bytes) else { return nil }
            let text = try rowText(select, columns: columns, id)
            return StateCodec.encode(try reading(collection, id) { () throws(StateCodecError) in
                try StateCodec.decode(bytes, numbering: numbering) { text?[$0] }
            })
        }
    }

    /// Stores a state of `spec` that holds all its values (format 1 or 2)
    /// leaving out what its row (or pre-image) holds.
    static func leaveValuesToRows(_ spec: CollectionSpec, in db: Database) throws {
        let table = PlainTable.of(spec)
        let select = try db.makeStatement(sql: table.selectStoredRowSQL)
        let numbering = NodeNumbers.inFile(db)
        try rewriteStates(of: spec.name, in: db) { id, bytes in
            guard !StateCodec.isRowBacked(bytes), let text = try rowText(select, columns: table.textFields, id) else { return nil }
            let state = try reading(spec.name, id) { () throws(StateCodecError) in try StateCodec.decode(bytes) }
            return state.isDeleted ? nil : encode(state, holding: text, numbering: numbering)
        }
    }

    /// Stores each state of `collection` as `rewrite` gives it (nil or the
    /// same bytes: unchanged). Feed positions stay: the states are the same,
    /// only their bytes change.
    private static func rewriteStates(of collection: String, in db: Database,
                                      _ rewrite: (_ id: String, _ bytes: [UInt8]) throws -> [UInt8]?) throws {
        let key = try CollectionKey.stored(collection, in: db)
        let rows = try Row.fetchAll(db, sql: "SELECT id, state FROM setu_records WHERE collection = ?", arguments: [key])
        let update = try db.makeStatement(sql: "UPDATE setu_records SET state = ? WHERE collection = ? AND id = ?")
        for row in rows {
            let id: String = row["id"]
            let bytes = Array(row["state"] as Data)
            if let stored = try rewrite(id, bytes), stored != bytes { try update.execute(arguments: [Data(stored), key, id]) }
        }
    }
}
