import Foundation
import GRDB
import SetuCore

extension Replica {
    /// Makes sure the capture triggers and pre-image tables are in place
    /// before the engine stamps, whenever the file's schema changed since
    /// the last look (`PRAGMA schema_version`: one read of the file's header
    /// on every engine write).
    ///
    /// A tool that rebuilds a plain table (some SQLite GUIs do, for a schema
    /// edit) can drop them. An edit made meanwhile was not captured, and the
    /// state left its values to that row (`StoredState`): so after any schema
    /// change every such state is read against its row, and a row whose
    /// checksum no longer matches is noted as an outside write, which the
    /// stamp takes as an edit of the values it lost
    /// (`WriteTransaction.stampUnseenRow`).
    func checkCapture(_ db: Database) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        guard checkedSchemaVersion.withLock({ $0 }) != version else { return }
        if try Int.fetchOne(db, sql: "SELECT value FROM setu_meta WHERE key = 'capture_checked'") != version {
            for spec in schema.collections where try db.tableExists(spec.name) {
                try restoreCapture(PlainTable.of(spec), db)
                try noteRowsChangedUnseen(spec, db)
            }
        }
        let checked = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try ReplicaSchema.setMeta(db, "capture_checked", checked)
        checkedSchemaVersion.withLock { $0 = checked }
    }

    /// Creates the triggers and the pre-image table of `table` that are
    /// missing or not as this release writes them.
    private func restoreCapture(_ table: PlainTable, _ db: Database) throws {
        if try !db.tableExists(table.preimageTable) { try db.execute(sql: table.preimageCreateSQL) }
        let present = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", arguments: [table.name])
        let found = Dictionary(present.map { ($0["name"] as String, $0["sql"] as String?) }, uniquingKeysWith: { a, _ in a })
        for (name, sql) in zip(table.triggerNames + table.preimageTriggerNames, table.triggerSQL + table.preimageTriggerSQL) where found[name] != sql {
            try db.execute(sql: "DROP TRIGGER IF EXISTS \(name)")
            try db.execute(sql: sql)
        }
    }

    /// Notes in `setu_dirty` each record whose row no longer holds the
    /// values its state left to it.
    private func noteRowsChangedUnseen(_ spec: CollectionSpec, _ db: Database) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT id, state FROM setu_records WHERE collection = ?", arguments: [CollectionKey.key(spec.name)])
        var changed: [String] = []
        let numbering = NodeNumbers.inFile(db)
        while let row = try rows.next() {
            let bytes = Array(row["state"] as Data)
            guard StateCodec.isRowBacked(bytes) else { continue }
            let id: String = row["id"]
            do {
                _ = try StoredState.decode(bytes, spec.name, id, in: db, schema: schema, numbering: numbering)
            } catch let error as ReplicaError where error.code == .rowChangedUnseen {
                changed.append(id)
            }
        }
        for id in changed {
            try db.execute(sql: "INSERT INTO setu_dirty (collection, id) VALUES (?, ?)", arguments: [spec.name, id])
        }
        // A row with a pre-image was changed since the engine left it, noted
        // or not (its capture trigger may be the one that was missing).
        let preimages = PlainTable.of(spec).preimageTable
        try db.execute(sql: "INSERT INTO setu_dirty (collection, id) SELECT ?, id FROM \"\(preimages)\"", arguments: [spec.name])
    }
}
