/*
 * The one SQLite database (journal, credentials, later the register), in
 * WAL mode.  The schema lives here, versioned with PRAGMA user_version.
 */
#ifndef HUSVAGT_DB_H
#define HUSVAGT_DB_H

#include <sqlite3.h>

/* Open (creating) path, set WAL and the pragmas, bring the schema up to
 * date.  Returns NULL with the reason logged. */
sqlite3 *db_open(const char *path);
void	 db_close(sqlite3 *);
/* Run SQL without results; logs and returns -1 on error. */
int	 db_exec(sqlite3 *, const char *sql);
/* Prepare one statement into *stmt (finalize it); logs and returns -1 on
 * error. */
int	 db_prepare(sqlite3 *, const char *sql, sqlite3_stmt **stmt);
/* The schema version this program brings a database up to. */
int	 db_schema_version(void);

#endif
