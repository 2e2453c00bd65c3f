import Logging
import PostgresNIO

extension PostgresHubStorage {
    /// The channel every commit that matters to an idle poll is notified on.
    static let changeChannel = "setu_hub_changes"

    /// v6: triggers that notify `changeChannel` of every commit a hub's
    /// idle-poll cache must see, whichever process made it (another hub,
    /// `setu-hub node revoke`, a purge, plain SQL). Notifications are sent
    /// at commit, in commit order, and only for committed transactions.
    ///
    /// New feed positions say which office's head moved ("office seq" per
    /// line, the highest per office); anything else ("*": nodes, purge
    /// floors, deleted rows) empties the caches.
    static func createV6(_ conn: PostgresConnection, logger: Logger) async throws {
        try await conn.query("""
            CREATE FUNCTION setu_hub_note_positions() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE payload text;
            BEGIN
              SELECT string_agg(office || ' ' || top, E'\\n') INTO payload
              FROM (SELECT office, max(seq) AS top FROM changed GROUP BY office) AS moved;
              IF payload IS NOT NULL THEN
                -- A notification's payload is at most 8000 bytes.
                PERFORM pg_notify('\(unescaped: changeChannel)', CASE WHEN octet_length(payload) < 7000 THEN payload ELSE '*' END);
              END IF;
              RETURN NULL;
            END $$
            """, logger: logger)
        try await conn.query("""
            CREATE FUNCTION setu_hub_note_everything() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM pg_notify('\(unescaped: changeChannel)', '*');
              RETURN NULL;
            END $$
            """, logger: logger)
        // Transition tables allow one event per trigger.
        for event in ["INSERT", "UPDATE"] {
            try await conn.query(PostgresQuery(unsafeSQL: """
                CREATE TRIGGER hub_records_\(event.lowercased()) AFTER \(event) ON hub_records REFERENCING NEW TABLE AS changed
                FOR EACH STATEMENT EXECUTE FUNCTION setu_hub_note_positions()
                """), logger: logger)
        }
        for (table, events) in [("hub_records", "DELETE OR TRUNCATE"), ("hub_nodes", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
                                ("hub_purges", "INSERT OR UPDATE OR DELETE OR TRUNCATE")] {
            try await conn.query(PostgresQuery(unsafeSQL: """
                CREATE TRIGGER \(table)_everything AFTER \(events) ON \(table)
                FOR EACH STATEMENT EXECUTE FUNCTION setu_hub_note_everything()
                """), logger: logger)
        }
        try await conn.query("INSERT INTO hub_schema (version) VALUES (6)", logger: logger)
    }

    /// What `setu-hub serve` runs beside the storage so idle polls are
    /// answered from memory.
    public var changeListener: PostgresChangeListener {
        PostgresChangeListener(client: client, cache: cache, channel: Self.changeChannel, logger: logger)
    }
}
