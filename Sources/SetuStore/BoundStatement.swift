import GRDB
import GRDBSQLite
import SetuCore

/// One run of a cached statement with its values bound straight through the
/// SQLite C API, for the statements every stored state costs: reading the
/// record's state, writing it, and writing its plain-table row.
///
/// Why not `statement.execute(arguments:)`: building `StatementArguments`
/// goes through a generic, key-path-based initialiser that, measured in a
/// bootstrap, cost more than the SQL itself. Everything else keeps using
/// GRDB's API. The statement is reset before binding and after stepping, so
/// GRDB finds it as it left it.
struct BoundStatement {
    private let statement: SQLiteStatement
    private let db: Database
    private var index: Int32 = 0
    /// The first binding SQLite refused (too big, out of range); `run` throws it.
    private var failedBinding: Int32 = SQLITE_OK

    init(_ statement: Statement, in db: Database) {
        self.statement = statement.sqliteStatement
        self.db = db
        sqlite3_reset(self.statement)
    }

    /// SQLite copies the bytes before the call returns (SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    mutating func bind(_ text: String) {
        index += 1
        // An empty text still needs a non-null pointer, or SQLite binds NULL.
        guard !text.isEmpty else {
            note(sqlite3_bind_text(statement, index, "", 0, Self.transient))
            return
        }
        // A native string's bytes are read where they are; `withUTF8` would
        // need a mutable copy (a retain and a release per value bound).
        let bound: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                note(sqlite3_bind_text(statement, index, chars.baseAddress, Int32(chars.count), Self.transient))
            }
        }
        guard bound == nil else { return }
        var text = text
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                note(sqlite3_bind_text(statement, index, chars.baseAddress, Int32(chars.count), Self.transient))
            }
        }
    }

    /// A collection as `setu_records` keys it (`CollectionKey`).
    mutating func bind(collection name: String) {
        if let number = CollectionKey.number(of: name) { bind(number) } else { bind(name) }
    }

    mutating func bind(_ number: Int64) {
        index += 1
        note(sqlite3_bind_int64(statement, index, number))
    }

    mutating func bind(blob bytes: ArraySlice<UInt8>) {
        index += 1
        bytes.withUnsafeBytes { raw in note(sqlite3_bind_blob(statement, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(raw.count), Self.transient)) }
    }

    mutating func bindNull() {
        index += 1
        note(sqlite3_bind_null(statement, index))
    }

    mutating func bind(_ text: String?) {
        if let text { bind(text) } else { bindNull() }
    }

    /// A resolved field value, in the column type the plain tables declare.
    mutating func bind(_ value: FieldValue) {
        switch value {
        case .null: bindNull()
        case .bool(let b): bind(Int64(b ? 1 : 0))
        case .int(let n): bind(n)
        case .text(let t): bind(t)
        }
    }

    private mutating func note(_ code: Int32) {
        if code != SQLITE_OK && failedBinding == SQLITE_OK { failedBinding = code }
    }

    /// Runs a query and returns the first row's first column as bytes, or nil
    /// when there is no row (a NULL column reads as no bytes).
    func firstBlob() throws -> [UInt8]? {
        try firstRow { blob(at: 0) }
    }

    /// Runs a query and returns the first row's `count` columns as text read
    /// strictly from their bytes (nil: NULL, or not valid UTF-8), or nil when
    /// there is no row: a row's values read without GRDB's `Row`, whose
    /// copies cost more than the lookup (a state read back from its row).
    func firstRowTexts(count: Int) throws -> [String?]? {
        try firstRow { texts(0..<Int32(count)) }
    }

    /// The first row's first column as bytes and its next `count` columns
    /// as `firstRowTexts` reads them, or nil when there is no row.
    func firstRowBlobAndTexts(count: Int) throws -> (blob: [UInt8], texts: [String?])? {
        try firstRow { (blob(at: 0), texts(1..<Int32(count) + 1)) }
    }

    /// The first row's first column as bytes, and its columns from the
    /// second on as `read` asks for them (`column(0)` is the second): their
    /// bytes where SQLite holds them, valid only inside `read`, nil for
    /// NULL. Nil when there is no row.
    func firstRowBlob<T>(_ read: (_ blob: [UInt8], _ column: (Int) -> UnsafeBufferPointer<UInt8>?) throws -> T) throws -> T? {
        try firstRow { try read(blob(at: 0), columnBytes) }
    }

    /// Steps once and reads the row with `read`; nil when there is none.
    private func firstRow<T>(_ read: () throws -> T) throws -> T? {
        try refuseFailedBinding()
        defer { sqlite3_reset(statement) }
        let code = sqlite3_step(statement)
        guard code == SQLITE_ROW else {
            guard code == SQLITE_DONE else { throw error(code) }
            return nil
        }
        return try read()
    }

    /// Column `index + 1`'s bytes, as `firstRowBlob` gives them.
    private func columnBytes(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        let column = Int32(index + 1)
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        let length = Int(sqlite3_column_bytes(statement, column))
        guard length > 0, let bytes = sqlite3_column_blob(statement, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: bytes.assumingMemoryBound(to: UInt8.self), count: length)
    }

    private func blob(at column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    private func texts(_ columns: Range<Int32>) -> [String?] {
        columns.map { column in
            guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
            let length = Int(sqlite3_column_bytes(statement, column))
            guard length > 0, let bytes = sqlite3_column_blob(statement, column) else { return "" }
            return String(strictlyDecoding: UnsafeBufferPointer(start: bytes.assumingMemoryBound(to: UInt8.self), count: length))
        }
    }

    /// Steps the statement to completion and returns how many rows it
    /// changed; a failure carries SQLite's message.
    @discardableResult
    func run() throws -> Int {
        try refuseFailedBinding()
        defer { sqlite3_reset(statement) }
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW { code = sqlite3_step(statement) }
        guard code == SQLITE_DONE else { throw error(code) }
        return Int(sqlite3_changes(db.sqliteConnection))
    }

    /// Also binds NULL to any parameter this run left unbound: a value
    /// bound by the statement's last run would otherwise be used again.
    /// Every statement here binds them all, so this replaces a
    /// `sqlite3_clear_bindings` before each run.
    private func refuseFailedBinding() throws {
        let parameters = sqlite3_bind_parameter_count(statement)
        if index < parameters {
            for unbound in (index + 1)...parameters { sqlite3_bind_null(statement, unbound) }
        }
        guard failedBinding == SQLITE_OK else {
            sqlite3_reset(statement)
            throw DatabaseError(resultCode: ResultCode(rawValue: failedBinding), message: String(cString: sqlite3_errstr(failedBinding)),
                                sql: String(cString: sqlite3_sql(statement)))
        }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                      sql: String(cString: sqlite3_sql(statement)))
    }
}
