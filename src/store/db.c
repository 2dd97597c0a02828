#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	/* 4: the anonymous register (DESIGN 5, 6, 7): rooms (mirrored from
	 * the site configuration), stays under an alias, guest agreements,
	 * the blocklist, visits, enquiries, staff on duty and evacuations.
	 * No column holds a name but stay.alias, agreement.guest,
	 * visit.guest and blocklist.name; retention erases the first three.
	 * Times are UTC ISO 8601 text like the journal's; dates (arrival,
	 * departure, agreement validity) are the site's local dates. */
	"CREATE TABLE room ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  floor INTEGER NOT NULL,"
	"  corridor TEXT NOT NULL,"
	"  zone TEXT NOT NULL,"
	"  beds INTEGER NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('single', 'double')),"
	"  child_friendly INTEGER NOT NULL,"
	"  retired_at TEXT);"
	"CREATE TABLE stay ("
	"  id INTEGER PRIMARY KEY,"
	"  alias TEXT,"
	"  room_id INTEGER NOT NULL REFERENCES room(id),"
	"  arrival TEXT NOT NULL,"
	"  departure TEXT,"
	"  adults INTEGER NOT NULL DEFAULT 1,"
	"  children_0_2 INTEGER NOT NULL DEFAULT 0,"
	"  children_3_5 INTEGER NOT NULL DEFAULT 0,"
	"  children_6_9 INTEGER NOT NULL DEFAULT 0,"
	"  children_10_17 INTEGER NOT NULL DEFAULT 0,"
	"  needs_help INTEGER NOT NULL DEFAULT 0,"
	"  admitted_at TEXT NOT NULL,"
	"  discharged_at TEXT,"
	"  anonymised_at TEXT);"
	"CREATE UNIQUE INDEX stay_current_alias ON stay(alias COLLATE NOCASE)"
	"  WHERE departure IS NULL;"
	"CREATE UNIQUE INDEX stay_current_room ON stay(room_id)"
	"  WHERE departure IS NULL;"
	"CREATE TABLE agreement ("
	"  id INTEGER PRIMARY KEY,"
	"  stay_id INTEGER NOT NULL REFERENCES stay(id),"
	"  guest TEXT,"
	"  guest_key TEXT,"
	"  relation TEXT NOT NULL,"
	"  valid_from TEXT,"
	"  valid_to TEXT,"
	"  windows TEXT,"
	"  resident_areas INTEGER NOT NULL DEFAULT 0,"
	"  escort INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  ended_at TEXT,"
	"  ended_by TEXT);"
	"CREATE INDEX agreement_stay ON agreement(stay_id);"
	"CREATE INDEX agreement_key ON agreement(guest_key);"
	"CREATE TABLE blocklist ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  name_key TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  created_at TEXT NOT NULL,"
	"  created_by TEXT NOT NULL,"
	"  removed_at TEXT,"
	"  removed_by TEXT);"
	"CREATE TABLE visit ("
	"  id INTEGER PRIMARY KEY,"
	"  stay_id INTEGER REFERENCES stay(id),"
	"  agreement_id INTEGER REFERENCES agreement(id),"
	"  guest TEXT,"
	"  door TEXT NOT NULL,"
	"  admitted_at TEXT NOT NULL,"
	"  admitted_by TEXT NOT NULL,"
	"  override_reason TEXT,"
	"  checked_out_at TEXT,"
	"  checked_out_by TEXT,"
	"  overstay_at TEXT);"
	"CREATE INDEX visit_open ON visit(stay_id) WHERE checked_out_at IS NULL;"
	"CREATE TABLE enquiry ("
	"  id INTEGER PRIMARY KEY,"
	"  time TEXT NOT NULL,"
	"  date TEXT NOT NULL,"
	"  outcome TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  actor TEXT NOT NULL);"
	"CREATE TABLE duty ("
	"  id INTEGER PRIMARY KEY,"
	"  login TEXT NOT NULL,"
	"  on_at TEXT NOT NULL,"
	"  off_at TEXT,"
	"  via TEXT NOT NULL);"
	"CREATE UNIQUE INDEX duty_on ON duty(login) WHERE off_at IS NULL;"
	"CREATE TABLE evacuation ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL CHECK (kind IN ('fire', 'drill')),"
	"  started_at TEXT NOT NULL,"
	"  started_by TEXT NOT NULL,"
	"  all_clear_at TEXT,"
	"  closed_at TEXT,"
	"  closed_by TEXT);"
	"CREATE TABLE evac_item ("
	"  evac_id INTEGER NOT NULL REFERENCES evacuation(id),"
	"  who TEXT NOT NULL,"
	"  detail TEXT NOT NULL DEFAULT '{}',"
	"  accounted_at TEXT,"
	"  accounted_by TEXT,"
	"  PRIMARY KEY (evac_id, who));",
	/* 5: the safety report (cmd_report.c) reads a few rare kinds of
	 * journal row over up to five years; this index holds only those,
	 * so a report does not walk every door opening of the period.  The
	 * ORs (not IN) let SQLite see that "type = 'door.forced'" is in it. */
	"CREATE INDEX journal_safety ON journal(type, time) WHERE"
	"  type = 'door.forced' OR type = 'door.held' OR"
	"  type = 'mode.changed' OR type = 'visit.refused' OR"
	"  type = 'visit.admitted';",
	/* 6: staff's free text about people, kept beside the journal so
	 * that retention can erase it (journal_text.c). */
	"CREATE TABLE journal_text ("
	"  seq INTEGER NOT NULL,"
	"  time TEXT NOT NULL,"
	"  field TEXT NOT NULL,"
	"  stay_id INTEGER,"
	"  text TEXT NOT NULL,"
	"  PRIMARY KEY (seq, field));",
	/* 7: guessing counted per reader and per chip (core/lockout.h),
	 * kept so that a restart does not forgive it.  Times are wall ms. */
	"CREATE TABLE guess ("
	"  kind TEXT NOT NULL CHECK (kind IN ('reader', 'pin')),"
	"  key TEXT NOT NULL,"
	"  failures INTEGER NOT NULL,"
	"  level INTEGER NOT NULL,"
	"  first_at INTEGER NOT NULL,"
	"  last_at INTEGER NOT NULL,"
	"  until INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, key));",
};

#define DB_NMIGRATIONS	((int)(sizeof(db_migrations) / sizeof(db_migrations[0])))

/*
 * The page cache: SQLite's default is 2 MB per connection, more than the
 * rest of the daemon's memory.  A card's lookup walks one index (three
 * or four pages at 100,000 credentials), and the disk's own cache is
 * the kernel's, so 256 KB loses no speed that the card bench can see.
 */
#define DB_CACHE_PRAGMA	"PRAGMA cache_size=-256"

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

int
db_exists(sqlite3 *db, const char *sql, long long id)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, sql, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
db_run(sqlite3 *db, const char *sql, long long id, const char *t2,
    const char *t3)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, sql, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, t3, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		log_warnx("db: %.40s...: %s", sql, sqlite3_errmsg(db));
		return -1;
	}
	return sqlite3_changes(db);
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

/*
 * Keep the -wal and -shm files when the last connection closes.  SQLite
 * deletes them on a clean close by default and must create them again at
 * the next open; on a full disk it cannot, the open fails, and a daemon
 * that cannot start serves no exit button.  Kept, they are reused: a
 * restart on a full disk comes up, serves REX and refuses only what it
 * cannot journal.
 */
static int
db_keep_wal(sqlite3 *db, const char *path)
{
	int on = 1;

	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL,
	    &on) != SQLITE_OK) {
		log_warnx("db: %s: cannot keep the WAL: %s", path,
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
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

/*
 * The database, its WAL and its shared-memory index hold people's data:
 * readable by the owner (and the group: 0640, the husvagt group on the
 * appliance) only, whatever the umask.  SQLite creates the WAL and SHM
 * with the database's mode, so the database is created here first, and
 * files of an older install are narrowed, never widened.
 */
static int
db_set_modes(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char name[4096];
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if ((size_t)snprintf(name, sizeof(name), "%s%s", path,
		    sfx[i]) >= sizeof(name))
			return -1;
		fd = open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC |
		    (i == 0 ? O_CREAT : 0), 0600);
		if (fd == -1 && errno == ENOENT)
			continue;
		if (fd == -1 || fstat(fd, &st) == -1 ||
		    ((st.st_mode & 0037) != 0 &&
		    fchmod(fd, st.st_mode & 0740) == -1)) {
			log_warn("db: %s", name);
			if (fd != -1)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/*
 * Wait for another connection's write lock (the journal writer's COMMIT,
 * whose fsync it holds), trying again every 50 us for the first 20 ms,
 * then every ms, until DB_BUSY_MS.  SQLite's own handler
 * (sqlite3_busy_timeout) sleeps 1, 2, 5, 10 ms ... between tries, so a
 * loop write that met a commit 50 us from its end waited 1 ms or more.
 */
static int
db_busy(void *arg, int tries)
{
	struct timespec ts = { 0, tries < 400 ? 50000 : 1000000 };
	long waited = tries < 400 ? tries / 20 : 20 + (tries - 400);

	(void)arg;
	if (waited >= DB_BUSY_MS)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

/* Open (creating) path with WAL and the pragmas, schema up to date. */
sqlite3 *
db_open(const char *path)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX;

	if (strcmp(path, ":memory:") != 0 && db_set_modes(path) == -1)
		return NULL;
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		log_warnx("db: %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto err_open;
	}
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_busy_handler(db, db_busy, NULL) != SQLITE_OK)
		goto err_open;
	if (db_set_wal(db, path) == -1 || db_keep_wal(db, path) == -1)
		goto err_open;
	/* FULL makes every commit durable before journal_append returns,
	 * which "committed before acted on" needs; NORMAL would not. */
	/* What retention erases must not stay readable in freed space:
	 * secure_delete overwrites deleted content with zeros (db_erase_wal
	 * then takes the WAL's older copies of those pages). */
	if (db_exec(db, "PRAGMA synchronous=FULL") == -1 ||
	    db_exec(db, "PRAGMA foreign_keys=ON") == -1 ||
	    db_exec(db, "PRAGMA secure_delete=ON") == -1 ||
	    db_exec(db, DB_CACHE_PRAGMA) == -1)
		goto err_open;
	if (db_migrate(db, path) == -1)
		goto err_open;
	return db;

err_open:
	sqlite3_close(db);
	return NULL;
}

/* Open one more connection to path with flags, with the busy timeout
 * and extended codes, and the small page cache.  NULL (logged). */
static sqlite3 *
db_open_other(const char *path, int flags)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		log_warnx("db: %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 1);
	if (sqlite3_busy_handler(db, db_busy, NULL) != SQLITE_OK ||
	    db_exec(db, DB_CACHE_PRAGMA) == -1) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

sqlite3 *
db_open_ro(const char *path)
{
	return db_open_other(path, SQLITE_OPEN_READONLY);
}

/*
 * Another connection to a database db_open() opened already (the journal
 * writer's): the same busy timeout, synchronous=FULL and secure_delete
 * (a b-tree balance moves cells; without it the old copies of a text
 * retention erases later would stay in freed space), nothing written, so
 * that it opens on a full disk too.
 */
sqlite3 *
db_open_more(const char *path)
{
	sqlite3 *db = db_open_other(path, SQLITE_OPEN_READWRITE);

	if (db != NULL && (db_exec(db, "PRAGMA synchronous=FULL") == -1 ||
	    db_exec(db, "PRAGMA foreign_keys=ON") == -1 ||
	    db_exec(db, "PRAGMA secure_delete=ON") == -1)) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

/*
 * Copy the WAL into the database and truncate it to nothing.  The WAL
 * holds the pages as they were before an erasure, so after retention the
 * erased text would still be in it until it is reused; a reader holding
 * an old snapshot makes the checkpoint stop short (SQLITE_BUSY), which is
 * logged and tried again at the next run.
 */
int
db_erase_wal(sqlite3 *db)
{
	int logged = 0, done = 0;

	if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    &logged, &done) != SQLITE_OK) {
		log_warnx("db: checkpoint: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
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
