#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"

/* How long a statement waits for a lock held by another connection (a
 * husvagtctl reading the journal, sqlite3 run by an installer). */
#define DB_BUSY_MS	5000

/*
 * The schema, one migration per element, applied in order.  Migration i
 * brings the database from user_version i to i + 1.  Never edit a
 * migration that has shipped: add a new one at the end, so that every
 * database in the field walks the same path to the same schema.
 */
static const char *const db_migrations[] = {
	/* 1: the journal, the credential store and settings. */
	"CREATE TABLE journal ("
	"  seq INTEGER PRIMARY KEY,"
	"  time TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  point TEXT NOT NULL DEFAULT '',"
	"  actor TEXT NOT NULL,"
	"  subject TEXT NOT NULL DEFAULT '',"
	"  detail TEXT NOT NULL DEFAULT '{}',"
	"  mac BLOB NOT NULL);"
	"CREATE INDEX journal_time ON journal(time);"
	"CREATE TABLE journal_head ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  seq INTEGER NOT NULL,"
	"  mac BLOB NOT NULL,"
	"  seal BLOB NOT NULL);"
	"CREATE TABLE credential ("
	"  id INTEGER PRIMARY KEY,"
	"  mac BLOB NOT NULL,"
	"  holder TEXT NOT NULL,"
	"  format INTEGER NOT NULL,"
	"  zones TEXT NOT NULL,"
	"  valid_from INTEGER NOT NULL DEFAULT 0,"
	"  valid_to INTEGER NOT NULL DEFAULT 0,"
	"  windows TEXT,"
	"  pin_mac BLOB,"
	"  label TEXT NOT NULL DEFAULT '',"
	"  enrolled_at INTEGER NOT NULL,"
	"  revoked_at INTEGER);"
	/* A revoked chip may be handed out again, so only live credentials
	 * must be unique; the plain index serves lookups of revoked ones. */
	"CREATE UNIQUE INDEX credential_live_mac ON credential(mac)"
	"  WHERE revoked_at IS NULL;"
	"CREATE INDEX credential_mac ON credential(mac);"
	"CREATE INDEX credential_holder ON credential(holder);"
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);",
	/* 2: staff logins managed with husvagtctl staff (staff.c): their
	 * role and life; the password lives only in the broker's password
	 * file, as Mosquitto's own salted hash. */
	"CREATE TABLE staff ("
	"  id INTEGER PRIMARY KEY,"
	"  login TEXT NOT NULL,"
	"  role TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  removed_at INTEGER);"
	"CREATE UNIQUE INDEX staff_live_login ON staff(login)"
	"  WHERE removed_at IS NULL;",
	/* 3: the alarms (alarm.c): open until acknowledged by staff and,
	 * where they have a physical cause, until it has cleared. */
	"CREATE TABLE alarm ("
	"  id INTEGER PRIMARY KEY,"
	"  class TEXT NOT NULL,"
	"  point TEXT NOT NULL,"
	"  raised_at TEXT NOT NULL,"
	"  cause_cleared_at TEXT,"
	"  acked_at TEXT,"
	"  acked_by TEXT);"
	"CREATE INDEX alarm_open ON alarm(class, point)"
	"  WHERE acked_at IS NULL OR cause_cleared_at IS NULL;",
};

#define DB_NMIGRATIONS	((int)(sizeof(db_migrations) / sizeof(db_migrations[0])))

/* The schema version this program brings a database up to. */
int
db_schema_version(void)
{
	return DB_NMIGRATIONS;
}

/* Run SQL without results; logs and returns -1 on error. */
int
db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("db: %.40s...: %s", sql,
		    msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Prepare one statement; logs and returns -1 on error. */
int
db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt)
{
	if (sqlite3_prepare_v2(db, sql, -1, stmt, NULL) != SQLITE_OK) {
		log_warnx("db: prepare %.40s...: %s", sql, sqlite3_errmsg(db));
		*stmt = NULL;
		return -1;
	}
	return 0;
}

/* Read one integer pragma such as user_version; -1 on error. */
static int
db_pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, sql, &st) == -1)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		log_warnx("db: %s: %s", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/*
 * Switch to WAL.  The answer is checked because SQLite silently keeps
 * another mode when it cannot use WAL (an in-memory database, a file
 * system without shared memory), and the journal's durability argument
 * rests on WAL with synchronous=FULL.
 */
static int
db_set_wal(sqlite3 *db, const char *path)
{
	sqlite3_stmt *st;
	const char *mode;
	int ok;

	if (db_prepare(db, "PRAGMA journal_mode=WAL", &st) == -1)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		log_warnx("db: %s: journal_mode: %s", path, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	ok = mode != NULL && (strcmp(mode, "wal") == 0 ||
	    (strcmp(path, ":memory:") == 0 && strcmp(mode, "memory") == 0));
	if (!ok)
		log_warnx("db: %s: WAL refused (journal_mode is %s)", path,
		    mode != NULL ? mode : "unknown");
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

/* Apply one migration and record its version in the same transaction, so
 * that a crash leaves the database at the old or the new version. */
static int
db_migrate_one(sqlite3 *db, int version)
{
	char sql[64];

	if (db_exec(db, "BEGIN IMMEDIATE") == -1)
		return -1;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
	if (db_exec(db, db_migrations[version]) == -1 ||
	    db_exec(db, sql) == -1 || db_exec(db, "COMMIT") == -1) {
		if (!sqlite3_get_autocommit(db))
			db_exec(db, "ROLLBACK");
		return -1;
	}
	return 0;
}

/* Bring the schema up to date.  A database newer than this program is
 * refused rather than guessed at. */
static int
db_migrate(sqlite3 *db, const char *path)
{
	int version;

	if (db_pragma_int(db, "PRAGMA user_version", &version) == -1)
		return -1;
	if (version > DB_NMIGRATIONS || version < 0) {
		log_warnx("db: %s: schema version %d is newer than this "
		    "program's %d", path, version, DB_NMIGRATIONS);
		return -1;
	}
	for (; version < DB_NMIGRATIONS; version++) {
		if (db_migrate_one(db, version) == -1) {
			log_warnx("db: %s: migration to version %d failed",
			    path, version + 1);
			return -1;
		}
	}
	return 0;
}

/* Open (creating) path with WAL and the pragmas, schema up to date. */
sqlite3 *
db_open(const char *path)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX;

	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		log_warnx("db: %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto err_open;
	}
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_busy_timeout(db, DB_BUSY_MS) != SQLITE_OK)
		goto err_open;
	if (db_set_wal(db, path) == -1)
		goto err_open;
	/* FULL makes every commit durable before journal_append returns,
	 * which "committed before acted on" needs; NORMAL would not. */
	if (db_exec(db, "PRAGMA synchronous=FULL") == -1 ||
	    db_exec(db, "PRAGMA foreign_keys=ON") == -1)
		goto err_open;
	if (db_migrate(db, path) == -1)
		goto err_open;
	return db;

err_open:
	sqlite3_close(db);
	return NULL;
}

/* Close; a statement left unfinalized is a bug worth a line in the log. */
void
db_close(sqlite3 *db)
{
	if (db == NULL)
		return;
	if (sqlite3_close(db) != SQLITE_OK)
		log_warnx("db: close: %s", sqlite3_errmsg(db));
}
