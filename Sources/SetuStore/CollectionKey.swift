import GRDB

/// How `setu_records` names a record's collection in its key (schema v10):
/// the collections of this list by number, any other (a newer release's,
/// kept and passed on) by its name. A name in every record's key is eight
/// bytes; a number is one or none.
///
/// The list is frozen: a number is never moved or given again. A
/// collection added to it later was stored by name on replicas of older
/// releases, so the release that adds it must re-key those rows in a
/// migration (`UPDATE setu_records SET collection = n WHERE collection =
/// 'name'`) before it reads them.
///
/// Values bound to `setu_records` go through `key`, and names read from it
/// through `name`; SQL that joins it to the tables that hold names
/// (`setu_dirty`, `setu_rejects`, `setu_rebootstrap`) goes through
/// `keySQL` and `nameSQL`.
public enum CollectionKey {
    static let numbered = ["services", "requests", "products"]

    /// The number of the collection `name`, nil when it is keyed by name.
    static func number(of name: String) -> Int64? { numbered.firstIndex(of: name).map { Int64($0 + 1) } }

    /// The key for the collection `name`.
    public static func key(_ name: String) -> DatabaseValue {
        number(of: name)?.databaseValue ?? name.databaseValue
    }

    /// The key as the file stores it: by name before schema v10 (what
    /// migration v9 reads), else `key`.
    static func stored(_ name: String, in db: Database) throws -> DatabaseValue {
        let type = try String.fetchOne(db, sql: "SELECT type FROM pragma_table_info('setu_records') WHERE name = 'collection'")
        return type == "ANY" ? key(name) : name.databaseValue
    }

    /// The name a key stands for.
    public static func name(_ key: DatabaseValue) -> String {
        if let number = Int64.fromDatabaseValue(key), number >= 1, number <= numbered.count { return numbered[Int(number) - 1] }
        return String.fromDatabaseValue(key) ?? ""
    }

    /// SQL giving the key of the collection named by `expression`.
    static func keySQL(_ expression: String) -> String {
        "CASE \(expression) " + numbered.enumerated().map { "WHEN '\($1)' THEN \($0 + 1)" }.joined(separator: " ") + " ELSE \(expression) END"
    }

    /// SQL giving the name of the collection keyed by `expression`.
    static func nameSQL(_ expression: String) -> String {
        "CASE \(expression) " + numbered.enumerated().map { "WHEN \($0 + 1) THEN '\($1)'" }.joined(separator: " ") + " ELSE \(expression) END"
    }
}
