// Typed wrappers for sqlite3_db_config, a C variadic Swift cannot call.
#ifndef SETU_CSQLITECONFIG_SHIM_H
#define SETU_CSQLITECONFIG_SHIM_H

#include <sqlite3.h>

/// Turns the triggers of every table on or off for this connection only;
/// other connections to the same file keep theirs. Returns an SQLite code.
static inline int setu_sqlite3_enable_triggers(sqlite3 *db, int enabled) {
    int now = -1;
    int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, enabled, &now);
    if (rc == SQLITE_OK && now != enabled) rc = SQLITE_ERROR;
    return rc;
}

/// Stops SQLite counting the memory it allocates, process-wide. The count
/// takes a global mutex around every allocation, and nothing here reads it.
/// Only effective before SQLite initialises (the first connection opened);
/// later it returns SQLITE_MISUSE and changes nothing.
static inline int setu_sqlite3_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
