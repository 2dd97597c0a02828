/*
 * The one SQLite database (journal, credentials, later the register), in
 * WAL mode.  The schema lives here, versioned with PRAGMA user_version.
 */
#ifndef HUSVAGT_DB_H
#define HUSVAGT_DB_H

#include <stdint.h>

#include <sqlite3.h>

/* Open (creating) path, set WAL and the pragmas, bring the schema up to
 * date.  Returns NULL with the reason logged. */
sqlite3 *db_open(const char *path);
void	 db_close(sqlite3 *);
/* Open path read-only, for a reader on another thread (the daemon's
 * worker): no schema work, WAL keeps it from blocking the writer.  NULL
 * on error (logged). */
sqlite3 *db_open_ro(const char *path);
/* One more connection to a database db_open() opened (the journal
 * writer's): busy timeout, synchronous=FULL, secure_delete, nothing
 * written.  NULL (logged). */
sqlite3 *db_open_more(const char *path);
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
/* db_row.c */
/* Run a query of one row; its n integer columns into v (NULL as 0).  0,
 * or -1 (all of v 0) when it found no row or failed. */
int	 db_ints(sqlite3 *, const char *sql, int64_t *v, int n);
/* One integer from sql with ?1 = id (and ?2 = t unless NULL); -1 on
 * error or no row. */
int64_t	 db_int(sqlite3 *, const char *sql, int64_t id, const char *t);
/* Run one retention statement with the cutoff date (?1) and the time
 * (?2, where it has one) bound; the rows changed, or -1 (logged). */
int	 db_erase(sqlite3 *, const char *sql, const char *cutoff,
	     const char *now);

/* The schema version this program brings a database up to. */
int	 db_schema_version(void);
/* Checkpoint the WAL and truncate it (after retention erased rows), so
 * that no older copy of an erased page remains in it; 0 or -1 (logged). */
int	 db_erase_wal(sqlite3 *);

#endif
