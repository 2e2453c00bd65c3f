import SetuCore
import Synchronization

/// The SQL of one collection's plain table and its capture triggers, derived
/// from the collection's declaration.
///
/// The plain tables are what office software reads and writes with any SQLite
/// client. They are STRICT, so a wrong type is refused by SQLite itself, with
/// CHECK constraints for choices and booleans.
///
/// One instance per declaration, shared (`PlainTable.of`): the engine
/// looks its table up for every row it writes, and a copy of a struct of
/// this many strings and arrays cost a retain and a release of each.
final class PlainTable: Sendable {
    let spec: CollectionSpec
    /// Built once: these strings are the keys of GRDB's statement cache and
    /// would otherwise be rebuilt for every row written.
    let updateSQL: String
    let insertSQL: String
    let deleteSQL: String
    let selectRawSQL: String
    let selectStoredRowSQL: String
    let selectStateAndRowSQL: String
    /// The declared fields whose column is TEXT, in column order: the values
    /// a stored state may leave to its row (`StoredState`).
    let textFields: [String]
    /// The collection's number in `setu_records` (`CollectionKey`), which
    /// also picks its slots among a transaction's `HotStatements`.
    let number: Int64?

    private init(_ spec: CollectionSpec) {
        self.spec = spec
        updateSQL = ""
        insertSQL = ""
        deleteSQL = ""
        selectRawSQL = ""
        selectStoredRowSQL = ""
        selectStateAndRowSQL = ""
        textFields = spec.fields.filter { $0.type.sqliteType == "TEXT" }.map(\.name)
        number = CollectionKey.number(of: spec.name)
    }

    /// The table of `spec`.
    static func of(_ spec: CollectionSpec) -> PlainTable {
        // By name and declaration hash: comparing whole specs on every row
        // written cost more than the row's SQL.
        if let known = PlainTable.all.first(where: { $0.spec.name == spec.name && $0.spec.declarationHash == spec.declarationHash }) {
            return known
        }
        return PlainTable.others.withLock { others in
            if let known = others.first(where: { $0.spec.name == spec.name && $0.spec.declarationHash == spec.declarationHash }) { return known }
            let built = PlainTable(building: spec)
            others.append(built)
            return built
        }
    }

    private init(building spec: CollectionSpec) {
        let bare = PlainTable(spec)
        self.spec = spec
        updateSQL = bare.makeUpdateSQL
        insertSQL = bare.makeInsertSQL
        deleteSQL = bare.makeDeleteSQL
        selectRawSQL = bare.makeSelectRawSQL
        selectStoredRowSQL = bare.makeSelectStoredRowSQL
        selectStateAndRowSQL = bare.makeSelectStateAndRowSQL
        textFields = bare.textFields
        number = bare.number
    }

    /// A list, not a dictionary: three short names compare faster than one hashes.
    private static let all: [PlainTable] = Collections.all.map { PlainTable(building: $0) }
    /// Declarations of other schemas (a newer or older release's, in tests).
    private static let others = Mutex<[PlainTable]>([])

    var name: String { spec.name }

    /// Columns in order: `id`, then the declared fields.
    var columns: [String] { ["id"] + spec.fields.map(\.name) }

    var createSQL: String {
        var lines = ["\"id\" TEXT PRIMARY KEY NOT NULL"]
        for field in spec.fields {
            var line = "\"\(field.name)\" \(field.type.sqliteType)"
            if field.isRequired || field.isCounter { line += " NOT NULL" }
            if field.isCounter { line += " DEFAULT 0" }
            switch field.type {
            case .choice(let words):
                // Comparisons, not `IN (…)`: SQLite builds a temporary b-tree
                // for an IN list of three or more each time a statement runs,
                // which made every engine write to these tables pay for one.
                line += " CHECK (\(words.map { "\"\(field.name)\" = '\($0)'" }.joined(separator: " OR ")))"
            case .boolean:
                line += " CHECK (\"\(field.name)\" IN (0, 1))"
            default: break
            }
            lines.append(line)
        }
        return "CREATE TABLE \"\(name)\" (\n  \(lines.joined(separator: ",\n  "))\n) STRICT"
    }

    /// Triggers that note which rows another client changed, in `setu_dirty`.
    /// The engine's own connections run with triggers off (see `Replica`), so
    /// what they note is always an outside write. Only the id is noted: the
    /// engine diffs the row against the record's state when it stamps, so
    /// several updates between two stamps are one write, and a counter moves
    /// by exactly the difference, never counted twice.
    ///
    /// `INSERT … SELECT … WHERE NOT EXISTS` rather than `INSERT OR IGNORE`:
    /// an outer `UPDATE OR FAIL` would override a trigger's conflict clause.
    var triggerSQL: [String] {
        func note(_ ref: String) -> String {
            "INSERT INTO setu_dirty (collection, id) SELECT '\(name)', \(ref).id "
                + "WHERE NOT EXISTS (SELECT 1 FROM setu_dirty WHERE collection = '\(name)' AND id = \(ref).id);"
        }
        return [
            "CREATE TRIGGER setu_capture_\(name)_insert AFTER INSERT ON \"\(name)\" BEGIN \(note("NEW")) END",
            "CREATE TRIGGER setu_capture_\(name)_update AFTER UPDATE ON \"\(name)\" BEGIN \(note("OLD")) \(note("NEW")) END",
            "CREATE TRIGGER setu_capture_\(name)_delete AFTER DELETE ON \"\(name)\" BEGIN \(note("OLD")) END",
        ]
    }

    /// Names of the triggers `triggerSQL` creates, to drop them in a migration.
    var triggerNames: [String] {
        ["insert", "update", "delete"].map { "setu_capture_\(name)_\($0)" }
    }

    /// Where a row's values are kept as the engine left them, from the first
    /// outside change after a stamp until the next stamp. A stored state
    /// leaves values to the row (`StoredState`), so without this table an
    /// outside update would take the only copy of the values the state's dots
    /// speak for: the stamp diffs against them, and every read meanwhile (a
    /// push, a dump) must show them, not the unstamped new ones. Untyped: it
    /// holds whatever the row held.
    var preimageTable: String { Self.preimageTable(of: name) }

    static func preimageTable(of table: String) -> String { "setu_preimage_\(table)" }

    var preimageCreateSQL: String {
        "CREATE TABLE \"\(preimageTable)\" (\(columns.map { "\"\($0)\"" }.joined(separator: ", ")), PRIMARY KEY (\"id\"))"
    }

    /// Triggers that copy a row into `preimageTable` before its first
    /// outside change: an update (of the row it leaves, and of a row its new
    /// id replaces under `UPDATE OR REPLACE`), a delete, and an insert over
    /// an existing id (`INSERT OR REPLACE` deletes the old row without firing
    /// delete triggers). `NOT EXISTS` keeps the first copy, which is the
    /// row as the engine left it.
    var preimageTriggerSQL: [String] {
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        func copy(_ ref: String) -> String {
            "INSERT INTO \"\(preimageTable)\" (\(list)) SELECT \(columns.map { "\(ref).\"\($0)\"" }.joined(separator: ", ")) "
                + "WHERE NOT EXISTS (SELECT 1 FROM \"\(preimageTable)\" WHERE id = \(ref).id);"
        }
        func copyExisting(_ key: String, when condition: String = "1") -> String {
            "INSERT INTO \"\(preimageTable)\" (\(list)) SELECT \(list) FROM \"\(name)\" WHERE id = \(key) AND \(condition) "
                + "AND NOT EXISTS (SELECT 1 FROM \"\(preimageTable)\" WHERE id = \(key));"
        }
        return [
            "CREATE TRIGGER setu_preimage_\(name)_insert BEFORE INSERT ON \"\(name)\" BEGIN \(copyExisting("NEW.id")) END",
            "CREATE TRIGGER setu_preimage_\(name)_update BEFORE UPDATE ON \"\(name)\" BEGIN \(copy("OLD")) "
                + "\(copyExisting("NEW.id", when: "NEW.id IS NOT OLD.id")) END",
            "CREATE TRIGGER setu_preimage_\(name)_delete BEFORE DELETE ON \"\(name)\" BEGIN \(copy("OLD")) END",
        ]
    }

    var preimageTriggerNames: [String] {
        ["insert", "update", "delete"].map { "setu_preimage_\(name)_\($0)" }
    }

    /// Shows a resolved row (the engine's projection of a state): the declared
    /// fields in order, then the id.
    private var makeUpdateSQL: String {
        let sets = spec.fields.map { "\"\($0.name)\" = ?" }
        return "UPDATE \"\(name)\" SET \(sets.joined(separator: ", ")) WHERE \"id\" = ?"
    }

    /// Adds a resolved row, or does nothing when the id has one; the values
    /// bind as for `updateSQL`.
    private var makeInsertSQL: String {
        let names = spec.fields.map { "\"\($0.name)\"" } + ["\"id\""]
        return "INSERT INTO \"\(name)\" (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", "))) "
            + "ON CONFLICT DO NOTHING"
    }

    private var makeDeleteSQL: String { "DELETE FROM \"\(name)\" WHERE \"id\" = ?" }

    /// Selects a row with text columns as BLOBs, so invalid UTF-8 written by
    /// another client is seen as bytes and refused, not silently repaired.
    private var makeSelectRawSQL: String {
        let cols = columns.map { col -> String in
            let type = col == "id" ? "TEXT" : spec.field(col)!.type.sqliteType
            return type == "TEXT" ? "CAST(\"\(col)\" AS BLOB)" : "\"\(col)\""
        }
        return "SELECT \(cols.joined(separator: ", ")) FROM \"\(name)\" WHERE \"id\" = ?"
    }

    /// The text columns (as BLOBs, read strictly) a stored state's
    /// left-out values come from: the pre-image when an outside change has
    /// not been stamped yet, else the row.
    private var makeSelectStoredRowSQL: String { StoredState.selectText(textFields, of: name, preimages: true) }

    /// A record's stored state and its row's text columns in one lookup,
    /// for the engine's transaction after its stamp, when no pre-image is
    /// left (`WriteTransaction.loadState`).
    private var makeSelectStateAndRowSQL: String {
        let cols = (["r.state"] + textFields.map { "CAST(p.\"\($0)\" AS BLOB)" }).joined(separator: ", ")
        return "SELECT \(cols) FROM setu_records r LEFT JOIN \"\(name)\" p ON p.\"id\" = r.id WHERE r.collection = ?1 AND r.id = ?2"
    }
}
