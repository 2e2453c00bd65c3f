import Foundation
import GRDB
import SetuCore

/// The replica's schema: append-only, numbered migrations. Never edit a
/// registered migration; add the next one.
enum ReplicaSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-setu-metadata") { db in
            // Key/value facts about this replica: its node id and its clock.
            try db.execute(sql: "CREATE TABLE setu_meta (key TEXT PRIMARY KEY NOT NULL, value ANY) STRICT")
            // One row per record: the replicated state (StateCodec bytes), the
            // office that owns it (indexed, so a scoped feed is an index range)
            // and `seq`, the feed position of its last change on this replica.
            // `seq` is the rowid: the feed is the table's own order, and a
            // rowid table keeps ~500-byte states inline (WITHOUT ROWID would
            // spill each into an overflow page, 4 KiB per record).
            // `known_to` names a peer that already holds exactly this state
            // (it came from there), so it is not pushed back. `conflicts`
            // counts open conflicts, indexed so the conflict list is no scan.
            try db.execute(sql: """
                CREATE TABLE setu_records (
                  seq INTEGER PRIMARY KEY,
                  collection TEXT NOT NULL,
                  id TEXT NOT NULL,
                  office TEXT NOT NULL,
                  state BLOB NOT NULL,
                  known_to TEXT,
                  conflicts INTEGER NOT NULL DEFAULT 0,
                  UNIQUE (collection, id)
                ) STRICT
                """)
            try db.execute(sql: "CREATE INDEX setu_records_office ON setu_records (office, seq)")
            try db.execute(sql: "CREATE INDEX setu_records_conflicts ON setu_records (collection, id) WHERE conflicts > 0")
            // Rows other SQLite clients changed, waiting to be stamped.
            try db.execute(sql: "CREATE TABLE setu_dirty (collection TEXT NOT NULL, id TEXT NOT NULL) STRICT")
            try db.execute(sql: "CREATE INDEX setu_dirty_key ON setu_dirty (collection, id)")
            // The capture switch (retired in v3): 1 only inside the engine's own write
            // transactions. No other connection can write then (SQLite has one
            // writer), and the rollback of a failed transaction resets it.
            try db.execute(sql: "CREATE TABLE setu_capture (one INTEGER PRIMARY KEY CHECK (one = 1), paused INTEGER NOT NULL) STRICT")
            try db.execute(sql: "INSERT INTO setu_capture VALUES (1, 0)")
            // Per peer: the peer's opaque cursor for pulling, and the local feed
            // position the peer has acknowledged for pushing.
            try db.execute(sql: "CREATE TABLE setu_cursors (peer TEXT PRIMARY KEY NOT NULL, pulled TEXT, pushed INTEGER NOT NULL DEFAULT 0) STRICT")
            // Writes set aside with a reason: an invalid row from another client,
            // a remote state past the clock bound. Shown to operators.
            try db.execute(sql: """
                CREATE TABLE setu_rejects (
                  n INTEGER PRIMARY KEY,
                  collection TEXT NOT NULL,
                  id TEXT NOT NULL,
                  source TEXT NOT NULL,
                  reason TEXT NOT NULL,
                  at_ms INTEGER NOT NULL
                ) STRICT
                """)
        }
        migrator.registerMigration("v1-plain-tables") { db in
            for spec in Collections.all {
                let table = PlainTable.of(spec)
                try db.execute(sql: table.createSQL)
                for trigger in table.triggerSQL { try db.execute(sql: trigger) }
            }
        }
        migrator.registerMigration("v2-unsent-index") { db in
            // Nothing on a replica reads by office (the feed is `seq` order),
            // so that index only slowed every write. What status asks on every
            // call is how many local changes the hub lacks: rows nobody else
            // holds yet (`known_to IS NULL`). A partial index answers that
            // without a scan, and states that came from the hub, the bulk of a
            // bootstrap, never enter it.
            try db.execute(sql: "DROP INDEX setu_records_office")
            try db.execute(sql: "CREATE INDEX setu_records_unsent ON setu_records (seq) WHERE known_to IS NULL")
        }
        migrator.registerMigration("v3-capture-without-switch") { db in
            // v1's triggers asked `setu_capture.paused` on every row, and the
            // engine set it around each of its transactions. The engine's
            // connections now run with triggers off instead (see `Replica`).
            // v1's CHECK (… IN (…)) on choice fields made SQLite build a
            // temporary b-tree for every statement writing the table; the
            // tables are rebuilt with comparisons. Rows, and the outside
            // writes already noted in `setu_dirty`, are kept.
            for spec in Collections.all {
                let table = PlainTable.of(spec)
                // Only the columns the v2 table had: a field added since is
                // filled from the states by `showSchema`.
                let old = try db.columns(in: table.name).map(\.name)
                let columns = table.columns.filter(old.contains).map { "\"\($0)\"" }.joined(separator: ", ")
                for name in table.triggerNames { try db.execute(sql: "DROP TRIGGER IF EXISTS \(name)") }
                try db.execute(sql: "ALTER TABLE \"\(table.name)\" RENAME TO \"setu_v2_\(table.name)\"")
                try db.execute(sql: table.createSQL)
                try db.execute(sql: "INSERT INTO \"\(table.name)\" (\(columns)) SELECT \(columns) FROM \"setu_v2_\(table.name)\"")
                try db.execute(sql: "DROP TABLE \"setu_v2_\(table.name)\"")
                for trigger in table.triggerSQL { try db.execute(sql: trigger) }
            }
            try db.execute(sql: "DROP TABLE setu_capture")
        }
        migrator.registerMigration("v4-retryable-rejects") { db in
            // A write set aside for a reason that can pass (a wrong clock, an
            // office granted later, a hub refusal that went away) must be
            // tried again, not left behind a cursor that moved on. `kind`
            // says what trying again means: `received`, a peer's state
            // refused here, kept in `state` to apply again; `refused`, a
            // local write the peer refused, sent again; `sql`, an outside
            // row refused, its values kept in `state` as one write (values
            // and counter deltas) to make again. `retry_at_ms` is when to try by itself (null: only when
            // asked, or when this node's offices change).
            try db.execute(sql: "ALTER TABLE setu_rejects ADD COLUMN kind TEXT NOT NULL DEFAULT 'refused'")
            try db.execute(sql: "ALTER TABLE setu_rejects ADD COLUMN state BLOB")
            try db.execute(sql: "ALTER TABLE setu_rejects ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1")
            try db.execute(sql: "ALTER TABLE setu_rejects ADD COLUMN retry_at_ms INTEGER")
            // Entries made before kept nothing to retry with: outside rows
            // stay notices; a hub entry whose record this replica never
            // stored was a received state, the others refused local writes.
            try db.execute(sql: "UPDATE setu_rejects SET kind = 'sql' WHERE source = 'sql'")
            try db.execute(sql: """
                UPDATE setu_rejects SET kind = 'received' WHERE source <> 'sql'
                  AND NOT EXISTS (SELECT 1 FROM setu_records r WHERE r.collection = setu_rejects.collection AND r.id = setu_rejects.id)
                """)
            try db.execute(sql: "UPDATE setu_rejects SET retry_at_ms = 0 WHERE kind = 'refused'")
            try db.execute(sql: """
                DELETE FROM setu_rejects WHERE kind <> 'sql' AND n NOT IN
                  (SELECT max(n) FROM setu_rejects WHERE kind <> 'sql' GROUP BY kind, collection, id)
                """)
            // One entry per record and kind for peers' refusals: a state
            // refused again updates its entry instead of piling up.
            try db.execute(sql: "CREATE UNIQUE INDEX setu_rejects_record ON setu_rejects (kind, collection, id) WHERE kind <> 'sql'")
        }
        migrator.registerMigration("v5-oversold-index") { db in
            // Products sold past zero (online and at the centre the same
            // day): status counts them on every call, from this index alone.
            try db.execute(sql: "CREATE INDEX setu_products_oversold ON products (id) WHERE stock < 0")
        }
        migrator.registerMigration("v6-rebootstrap") { db in
            // The records a re-bootstrap (the hub's 410) will pull again: the
            // states the hub held when it began. Each is replaced by the hub's
            // state as it arrives; those still here when the pull is complete
            // were purged at the hub meanwhile, and are dropped. Unsent
            // changes are never listed: they are merged and pushed as always.
            try db.execute(sql: "CREATE TABLE setu_rebootstrap (collection TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (collection, id)) STRICT, WITHOUT ROWID")
        }
        migrator.registerMigration("v7-relayed-index") { db in
            // What a push to the hub reads: rows nobody else holds
            // (setu_records_unsent) and rows that came from a peer other than
            // the hub (none in an office that syncs with its hub alone).
            // Indexed apart, a push after a large pull reads neither the
            // pulled rows nor their states: it read them all only to skip
            // them, 48 ms after a 100k bootstrap and 18 ms after a catch-up
            // of 10k concurrently edited records.
            try db.execute(sql: "CREATE INDEX setu_records_relayed ON setu_records (seq) WHERE known_to IS NOT NULL AND known_to <> '\(Replica.hub.rawValue)'")
        }
        migrator.registerMigration("v8-state-format-2") { db in
            // Every state in format 2 (`StateFormat`), about 60 % of format
            // 1's bytes: so equal states are equal bytes whichever release
            // stored them, and the file shrinks by the difference (VACUUM
            // gives the pages back). Feed positions stay: the states are the
            // same, only their bytes change.
            try Self.reencodeStates(db, table: "setu_records")
        }
        migrator.registerMigration("v9-values-in-rows") { db in
            // A state leaves the values its plain row shows to the row
            // (`StoredState`): a replica held each value twice, 2.3-2.6 times
            // the bytes of its rows. Each row's values as the engine left them
            // are kept from its first outside change to its stamp
            // (`PlainTable.preimageTable`), so the states need them nowhere
            // else. A table that does not show this release's declaration is
            // made anew by `showSchema` after the migrations, which does the
            // same for it.
            // Nothing on a replica reads a record's office but from its
            // state (the feed's entries, the oversold list): 15 bytes a
            // record the state already holds.
            try db.execute(sql: "ALTER TABLE setu_records DROP COLUMN office")
            for spec in Collections.all {
                let table = PlainTable.of(spec)
                guard try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [spec.name])
                    == table.createSQL else { continue }
                try db.execute(sql: table.preimageCreateSQL)
                for trigger in table.preimageTriggerSQL { try db.execute(sql: trigger) }
                try StoredState.leaveValuesToRows(spec, in: db)
            }
        }
        migrator.registerMigration("v10-records-keyed-by-id") { db in
            // Records keyed by what every write looks them up by: one b-tree
            // instead of the rowid table and its (collection, id) index, which
            // held each key a second time (33 bytes a record, about a fifth of
            // what a small record's metadata cost; issue 14). States are now
            // 80-100 bytes, well inside what a WITHOUT ROWID page keeps inline
            // (about 1,000). `seq` is a plain column: the partial indexes the
            // push reads still order by it, and the feed's head is kept in
            // `setu_meta` (`feed_top`), written by every transaction that
            // hands out positions, so nothing asks for max(seq). `known_to`
            // names the hub as '' (`Replica.knownTo`), and `collection` the
            // collections of a frozen list by number (`CollectionKey`).
            try setMeta(db, "feed_top", try Int64.fetchOne(db, sql: """
                SELECT max(coalesce((SELECT max(seq) FROM setu_records), 0), coalesce((SELECT value FROM setu_meta WHERE key = 'feed_top'), 0))
                """) ?? 0)
            try db.execute(sql: """
                CREATE TABLE setu_records_keyed (
                  collection ANY NOT NULL,
                  id TEXT NOT NULL,
                  seq INTEGER NOT NULL,
                  state BLOB NOT NULL,
                  known_to TEXT,
                  conflicts INTEGER NOT NULL DEFAULT 0,
                  PRIMARY KEY (collection, id)
                ) STRICT, WITHOUT ROWID
                """)
            try db.execute(sql: """
                INSERT INTO setu_records_keyed (collection, id, seq, state, known_to, conflicts)
                SELECT \(CollectionKey.keySQL("collection")), id, seq, state, CASE known_to WHEN '\(Replica.hub.rawValue)' THEN '' ELSE known_to END, conflicts
                FROM setu_records ORDER BY 1, id
                """)
            try db.execute(sql: "DROP TABLE setu_records")
            try db.execute(sql: "ALTER TABLE setu_records_keyed RENAME TO setu_records")
            try db.execute(sql: "CREATE INDEX setu_records_conflicts ON setu_records (collection, id) WHERE conflicts > 0")
            try db.execute(sql: "CREATE INDEX setu_records_unsent ON setu_records (seq) WHERE known_to IS NULL")
            try db.execute(sql: "CREATE INDEX setu_records_relayed ON setu_records (seq) WHERE known_to IS NOT NULL AND known_to <> ''")
            // The numbers stored states name nodes by (`NodeNumbers`), given
            // as nodes are first stored and never changed: ten bytes and more
            // of node id become one in every state. States stored before keep
            // their ids written out until they change.
            try db.execute(sql: "CREATE TABLE setu_nodes (n INTEGER PRIMARY KEY, node TEXT NOT NULL UNIQUE) STRICT")
        }
        migrator.registerMigration("v11-unsent-index-covering") { db in
            // Status counts the unsent changes on every call. The index
            // listed them, but SQLite (3.40) still read each one's row to
            // check `known_to IS NULL`, which the index's own condition
            // already says: 52 ms for 100,000 pending changes, an office's
            // charter imported before its first sync, and a status call of
            // 75-88 ms. Holding the column (always NULL, one byte) lets the
            // count read the index alone: 1.6-2.1 ms.
            try db.execute(sql: "DROP INDEX setu_records_unsent")
            try db.execute(sql: "CREATE INDEX setu_records_unsent ON setu_records (seq, known_to) WHERE known_to IS NULL")
        }
        return migrator
    }

    /// Re-encodes a table's `state` column in the current format
    /// (`StateFormatMigration`), rows keyed by `seq`.
    static func reencodeStates(_ db: Database, table: String) throws {
        let update = try db.makeStatement(sql: StateFormatMigration.sqliteUpdate(table: table))
        try StateFormatMigration.run(fetch: { after, limit in
            try Row.fetchAll(db, sql: StateFormatMigration.sqliteSelect(table: table), arguments: [after, limit])
                .map { ($0["seq"], Array($0["state"] as Data)) }
        }, store: { seq, state in
            try update.execute(arguments: [Data(state), seq])
        })
    }

    /// Sets one `setu_meta` fact (the clock, its offset from the hub, the
    /// node's offices), inside the caller's transaction.
    static func setMeta(_ db: Database, _ key: String, _ value: some DatabaseValueConvertible) throws {
        try db.execute(sql: "INSERT INTO setu_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }

    /// Makes the plain tables show `schema` (run at every open, after the
    /// migrations). Nothing to do when each table is as the schema declares
    /// it. Otherwise each table that differs is made anew (a collection or a
    /// field added by a newer release, a limit widened): rows are copied as
    /// they are, so an outside write not yet stamped stays in its row and is
    /// stamped later; columns the table lacked, and whole rows of a table
    /// that did not exist, are filled from the states already held (kept
    /// while this node did not know them), so an upgraded office shows them
    /// without a new sync. Open conflicts are counted again by the new
    /// declaration.
    static func showSchema(_ schema: Schema, in writer: some DatabaseWriter) throws {
        let (differing, shown) = try writer.read { db in
            (try schema.collections.filter { spec in
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [spec.name])
                    != PlainTable.of(spec).createSQL
            }, try Int.fetchOne(db, sql: "SELECT value FROM setu_meta WHERE key = 'schema'"))
        }
        guard !differing.isEmpty || shown != schema.version else { return }
        try writer.write { db in
            for spec in differing {
                do {
                    try show(spec, in: db)
                } catch let error as DatabaseError {
                    throw ReplicaError(.newerSchema, "the plain table \(spec.name) cannot show schema \(schema.version) (\(error.message ?? "\(error)")); "
                        + "a change that is not compatible (docs/SCHEMA-CHANGES.md) needs a migration of its own")
                }
            }
            try setMeta(db, "schema", schema.version)
        }
    }

    /// Makes one plain table as `spec` declares it, keeping its rows and
    /// indexes, and shows what the states hold that the table did not.
    private static func show(_ spec: CollectionSpec, in db: Database) throws {
        let table = PlainTable.of(spec)
        let existed = try db.tableExists(spec.name)
        let oldColumns = existed ? try db.columns(in: spec.name).map(\.name) : []
        let indexes = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                                          arguments: [spec.name])
        let hadPreimages = try db.tableExists(table.preimageTable)
        if existed {
            try putValuesBack(spec.name, preimages: hadPreimages, in: db)
            for name in table.triggerNames + table.preimageTriggerNames { try db.execute(sql: "DROP TRIGGER IF EXISTS \(name)") }
            try db.execute(sql: "ALTER TABLE \"\(spec.name)\" RENAME TO \"setu_old_\(spec.name)\"")
        }
        if hadPreimages { try db.execute(sql: "ALTER TABLE \"\(table.preimageTable)\" RENAME TO \"setu_old_\(table.preimageTable)\"") }
        try db.execute(sql: table.createSQL)
        try db.execute(sql: table.preimageCreateSQL)
        let kept = table.columns.filter(oldColumns.contains).map { "\"\($0)\"" }.joined(separator: ", ")
        if existed {
            try db.execute(sql: "INSERT INTO \"\(spec.name)\" (\(kept)) SELECT \(kept) FROM \"setu_old_\(spec.name)\"")
            try db.execute(sql: "DROP TABLE \"setu_old_\(spec.name)\"")
            for sql in indexes { try db.execute(sql: sql) }
        }
        if hadPreimages {
            try db.execute(sql: "INSERT INTO \"\(table.preimageTable)\" (\(kept)) SELECT \(kept) FROM \"setu_old_\(table.preimageTable)\"")
            try db.execute(sql: "DROP TABLE \"setu_old_\(table.preimageTable)\"")
        }
        for trigger in table.triggerSQL + table.preimageTriggerSQL { try db.execute(sql: trigger) }
        let added = spec.fields.indices.filter { !oldColumns.contains(spec.fields[$0].name) }
        let fill = "UPDATE \"\(spec.name)\" SET \(added.map { "\"\(spec.fields[$0].name)\" = ?" }.joined(separator: ", ")) WHERE id = ?"
        let states = try Row.fetchAll(db, sql: "SELECT id, state, conflicts FROM setu_records WHERE collection = ?", arguments: [CollectionKey.key(spec.name)])
        for row in states {
            let id: String = row["id"]
            let blob: Data = row["state"]
            let state = try StateCodec.decode(blob)
            let conflicts = state.openConflictCount(in: spec)
            if conflicts != row["conflicts"] {
                try db.execute(sql: "UPDATE setu_records SET conflicts = ? WHERE collection = ? AND id = ?", arguments: [conflicts, CollectionKey.key(spec.name), id])
            }
            guard let values = state.resolvedRow(in: spec) else { continue }
            if !existed {
                try db.execute(sql: table.insertSQL, arguments: StatementArguments(values.map(\.databaseValue) + [id.databaseValue]))
            } else if !added.isEmpty {
                try db.execute(sql: fill, arguments: StatementArguments(added.map { values[$0].databaseValue } + [id.databaseValue]))
            }
        }
        try StoredState.leaveValuesToRows(spec, in: db)
    }

    /// Stores the states of a table about to be made anew with all their
    /// values, read from its current columns: a column may go (a replica
    /// opened by an older schema), and with it the values left to it.
    private static func putValuesBack(_ collection: String, preimages: Bool, in db: Database) throws {
        let text = try StoredState.textColumns(of: collection, in: db)
        let select = try db.makeStatement(sql: StoredState.selectText(text, of: collection, preimages: preimages))
        try StoredState.putValuesBack(collection, select: select, columns: text, in: db)
    }

    /// Migrates, or refuses a replica that a newer Setu has migrated further.
    static func migrate(_ writer: some DatabaseWriter, path: String) throws {
        let migrator = migrator
        let unknown = try writer.read { db in
            try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
        }
        guard unknown.isEmpty else {
            throw ReplicaError(.newerSchema, "\(path) was written by a newer Setu (schema \(unknown.sorted().joined(separator: ", "))); "
                + "upgrade setud/setuctl on this machine, or restore a replica made by this version")
        }
        try migrator.migrate(writer)
    }
}
