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
enum StoredState {
    /// The bytes to store for `state` when the plain row will show `row`
    /// (values in declaration order; nil: no row, nothing left out).
    static func encode(_ state: RecordState, row: [FieldValue]?, spec: CollectionSpec?) -> [UInt8] {
        guard let row, let spec else { return StateCodec.encode(state) }
        var cursor = FieldCursor(spec)
        return StateCodec.encode(state) { name, text in rowHolds(row, spec, &cursor, name, text) }
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
    static func decode(_ bytes: [UInt8], _ collection: String, _ id: String, in db: Database, schema: Schema) throws -> RecordState {
        guard StateCodec.isRowBacked(bytes) else { return try reading(collection, id) { () throws(StateCodecError) in try StateCodec.decode(bytes) } }
        guard let spec = schema.named(collection) else {
            let row = try undeclaredRowText(collection, id, in: db)
            return try reading(collection, id) { () throws(StateCodecError) in try StateCodec.decode(bytes) { row?[$0] } }
        }
        let table = PlainTable(spec: spec)
        var select = BoundStatement(try db.cachedStatement(sql: table.selectStoredRowSQL), in: db)
        select.bind(id)
        return try decode(bytes, collection, id, table: table, row: try select.firstRowTexts(count: table.textFields.count))
    }

    /// A stored state beside `row`, the text of `table.textFields` (nil: no
    /// row).
    static func decode(_ bytes: [UInt8], _ collection: String, _ id: String, table: PlainTable, row: [String?]?) throws -> RecordState {
        try reading(collection, id) { () throws(StateCodecError) in
            guard StateCodec.isRowBacked(bytes) else { return try StateCodec.decode(bytes) }
            return try StateCodec.decode(bytes) { name in table.textFields.firstIndex(of: name).flatMap { row?[$0] } }
        }
    }

    /// A decode's error as the operator's: a row changed unseen, or a
    /// damaged state.
    private static func reading(_ collection: String, _ id: String, _ body: () throws(StateCodecError) -> RecordState) throws -> RecordState {
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
    static func canonical(_ blob: Data, _ collection: String, _ id: String, in db: Database, schema: Schema) throws -> [UInt8] {
        let bytes = Array(blob)
        guard StateCodec.isRowBacked(bytes) else { return bytes }
        return StateCodec.encode(try decode(bytes, collection, id, in: db, schema: schema))
    }

    /// The `Data` a query returned, as `decode` reads it.
    static func decode(_ blob: Data, _ collection: String, _ id: String, in db: Database, schema: Schema) throws -> RecordState {
        try decode(Array(blob), collection, id, in: db, schema: schema)
    }

    /// The text columns of a record's pre-image or row, by field; nil when
    /// there is neither.
    static func rowText(_ spec: CollectionSpec, _ id: String, in db: Database) throws -> [String: String]? {
        let table = PlainTable(spec: spec)
        return try rowText(db.cachedStatement(sql: table.selectStoredRowSQL), columns: table.textFields, id)
    }

    /// The text columns of a row in a table this schema does not declare: a
    /// newer release showed the collection, and this one was installed
    /// over it. Read by the table's own columns, with its pre-image.
    private static func undeclaredRowText(_ collection: String, _ id: String, in db: Database) throws -> [String: String]? {
        guard try db.tableExists(collection) else { return nil }
        let columns = try db.columns(in: collection).filter { $0.type.uppercased() == "TEXT" && $0.name != "id" }.map(\.name)
        return try rowText(db.makeStatement(sql: selectText(columns, of: collection, preimages: try db.tableExists("setu_preimage_\(collection)"))),
                           columns: columns, id)
    }

    /// A select of `columns` (as BLOBs) of a row by id (`?1`), from its
    /// pre-image when there is one.
    static func selectText(_ columns: [String], of table: String, preimages: Bool) -> String {
        let cols = columns.isEmpty ? "NULL" : columns.map { "CAST(\"\($0)\" AS BLOB)" }.joined(separator: ", ")
        let fromRow = "SELECT \(cols) FROM \"\(table)\" WHERE \"id\" = ?1"
        return preimages ? "SELECT \(cols) FROM \"setu_preimage_\(table)\" WHERE \"id\" = ?1 UNION ALL \(fromRow) LIMIT 1" : fromRow
    }

    /// The same from any select of `columns` (as BLOBs) by id. A value that
    /// is not valid UTF-8 is left out, so the state's checksum refuses it.
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
    static func encode(_ state: RecordState, holding text: [String: String]) -> [UInt8] {
        StateCodec.encode(state) { name, value in text[name].map { FieldValue.text($0).isIdentical(to: .text(value)) } ?? false }
    }

    /// Stores every state of `collection` with all its values, reading the
    /// left-out ones with `select` (of `columns`, by id): before a plain
    /// table is made anew, whose columns may go.
    static func putValuesBack(_ collection: String, select: Statement, columns: [String], in db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT id, state FROM setu_records WHERE collection = ?", arguments: [collection])
        let update = try db.makeStatement(sql: "UPDATE setu_records SET state = ? WHERE collection = ? AND id = ?")
        for row in rows {
            let id: String = row["id"]
            let bytes = Array(row["state"] as Data)
            guard StateCodec.isRowBacked(bytes) else { continue }
            let text = try rowText(select, columns: columns, id)
            let state: RecordState
            do {
                state = try StateCodec.decode(bytes) { text?[$0] }
            } catch let error where error.rowChanged {
                throw ReplicaError.rowChangedUnseen(collection, id, error)
            } catch {
                throw ReplicaError.unreadableState(collection, id, error)
            }
            try update.execute(arguments: [Data(StateCodec.encode(state)), collection, id])
        }
    }

    /// Stores a state of `spec` that holds all its values (format 1 or 2)
    /// leaving out what its row (or pre-image) holds. Feed positions stay:
    /// the state is the same.
    static func leaveValuesToRows(_ spec: CollectionSpec, in db: Database) throws {
        let select = try db.makeStatement(sql: PlainTable(spec: spec).selectStoredRowSQL)
        let columns = PlainTable(spec: spec).textFields
        let rows = try Row.fetchAll(db, sql: "SELECT id, state FROM setu_records WHERE collection = ?", arguments: [spec.name])
        let update = try db.makeStatement(sql: "UPDATE setu_records SET state = ? WHERE collection = ? AND id = ?")
        for row in rows {
            let id: String = row["id"]
            let bytes = Array(row["state"] as Data)
            guard !StateCodec.isRowBacked(bytes), let text = try rowText(select, columns: columns, id) else { continue }
            let state: RecordState
            do {
                state = try StateCodec.decode(bytes)
            } catch {
                throw ReplicaError.unreadableState(spec.name, id, error)
            }
            guard !state.isDeleted else { continue }
            let stored = encode(state, holding: text)
            if stored != bytes { try update.execute(arguments: [Data(stored), spec.name, id]) }
        }
    }
}
