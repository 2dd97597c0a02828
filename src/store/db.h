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
/*
 * Run one statement with ?1 = id and, where the statement has them, ?2 and
 * ?3 = t2 and t3 (NULL: SQL NULL).  Returns the rows it changed, or -1
 * (logged) on error.
 */
int	 db_run(sqlite3 *, const char *sql, long long id, const char *t2,
	     const char *t3);
/* Does sql, with ?1 = id bound, find a row?  1 yes, 0 no, -1 error. */
int	 db_exists(sqlite3 *, const char *sql, long long id);
/* The schema version this program brings a database up to. */
int	 db_schema_version(void);
/* Checkpoint the WAL and truncate it (after retention erased rows), so
 * that no older copy of an erased page remains in it; 0 or -1 (logged). */
int	 db_erase_wal(sqlite3 *);

#endif
