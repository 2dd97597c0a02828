/*
 * Journal rows read back (src/store/journal.c's verify, src/store/journal_read.c's
 * rows, tail and export): what husvagtctl journal verify and the exports
 * make of a database someone has been at.  The input appends rows
 * through journal_append, so that the chain is real, and then tampers
 * with the tables as a man with the sqlite3 shell could: any column set
 * to any value of any type (text that is not UTF-8 or holds NULs, blobs,
 * numbers, NULL), rows deleted or inserted at any seq, the head edited or
 * gone.  Verify must then give an answer, and with no tampering it must
 * say intact; the readers must cope with whatever the rows hold.
 */
#include <inttypes.h>

#include "db.h"
#include "fuzz_util.h"
#include "journal.h"
#include "log.h"

static sqlite3 *db;
static FILE *devnull;
static const uint8_t key[KEYS_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static const char *const cols[] = { "seq", "time", "type", "point", "actor",
    "subject", "detail", "mac" };
static const char *const hcols[] = { "id", "seq", "mac", "seal" };

/* A string of up to 63 bytes from the input, with its length. */
static size_t
take(const uint8_t **d, size_t *n, char *buf)
{
	size_t len = fuzz_byte(d, n) % 64;

	if (len > *n)
		len = *n;
	memcpy(buf, *d, len);
	buf[len] = '\0';
	*d += len;
	*n -= len;
	return len;
}

/* Bind a value of the input's choosing: text, blob, integer, real, NULL. */
static void
bind_any(sqlite3_stmt *st, int i, const uint8_t **d, size_t *n)
{
	char buf[64];
	size_t len;
	int64_t v;

	switch (fuzz_byte(d, n) % 6) {
	case 0:
		len = take(d, n, buf);
		sqlite3_bind_text(st, i, buf, (int)len, SQLITE_TRANSIENT);
		break;
	case 1:
		len = take(d, n, buf);
		sqlite3_bind_blob(st, i, buf, (int)len, SQLITE_TRANSIENT);
		break;
	case 2:
		v = (int64_t)fuzz_byte(d, n) - 8;
		sqlite3_bind_int64(st, i, v);
		break;
	case 3:
		memset(&v, 0, sizeof(v));
		len = *n < sizeof(v) ? *n : sizeof(v);
		memcpy(&v, *d, len);
		*d += len;
		*n -= len;
		sqlite3_bind_int64(st, i, v);
		break;
	case 4:
		sqlite3_bind_double(st, i, (double)fuzz_byte(d, n) / 3.0);
		break;
	default:
		sqlite3_bind_null(st, i);
		break;
	}
}

/* Run sql with ?1 and ?2 bound from the input; errors are fine. */
static void
tamper(const char *sql, const uint8_t **d, size_t *n, int nbind)
{
	sqlite3_stmt *st;
	int i;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		abort();
	for (i = 1; i <= nbind; i++)
		bind_any(st, i, d, n);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static void
append(struct journal *j, const uint8_t **d, size_t *n)
{
	char f[5][64];
	json_t *detail;
	int i;

	for (i = 0; i < 5; i++)
		take(d, n, f[i]);
	detail = json_loads(f[4], 0, NULL);
	if (!json_is_object(detail)) {
		json_decref(detail);
		detail = NULL;
	}
	journal_append(j, f[0][0] != '\0' ? f[0] : "door.released", f[1],
	    f[2][0] != '\0' ? f[2] : "system", f[3], detail);
	json_decref(detail);
}

static void
tamper_row(const uint8_t **d, size_t *n)
{
	char sql[128];

	switch (fuzz_byte(d, n) % 5) {
	case 0:
		snprintf(sql, sizeof(sql), "UPDATE journal SET %s = ?1 "
		    "WHERE seq = ?2", cols[fuzz_byte(d, n) % 8]);
		tamper(sql, d, n, 2);
		break;
	case 1:
		tamper("DELETE FROM journal WHERE seq = ?1", d, n, 1);
		break;
	case 2:
		tamper("INSERT INTO journal (seq, time, type, point, actor, "
		    "subject, detail, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
		    "?7, ?8)", d, n, 8);
		break;
	case 3:
		snprintf(sql, sizeof(sql), "UPDATE journal_head SET %s = ?1",
		    hcols[fuzz_byte(d, n) % 4]);
		tamper(sql, d, n, 1);
		break;
	default:
		tamper("DELETE FROM journal_head", d, n, 0);
		break;
	}
}

static void
read_back(void)
{
	static const char *const bounds[] = { NULL, "2026", "9999-12-31" };
	struct journal_verify v = { 0 };
	json_t *rows;

	rows = journal_rows(db, 0, INT64_MAX, 100);
	json_decref(rows);
	rows = journal_tail(db, INT64_MAX, 50);
	json_decref(rows);
	journal_export(db, "csv", NULL, bounds[2], devnull);
	journal_export(db, "json", bounds[1], NULL, devnull);
	(void)journal_verify(db, key, &v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct journal_verify v = { 0 };
	struct journal *j;
	int tampered = 0, rc;

	if (db_exec(db, "DELETE FROM journal; DELETE FROM journal_head") != 0 ||
	    (j = journal_open(db, key)) == NULL)
		abort();
	while (n > 0) {
		if (fuzz_byte(&data, &n) & 1) {
			tamper_row(&data, &n);
			tampered = 1;
		} else if (!tampered)
			append(j, &data, &n);
	}
	journal_close(j);
	rc = journal_verify(db, key, &v);
	if (rc == -1 || (!tampered && rc != 0)) {
		fprintf(stderr, "verify: %d after %" PRId64 " rows: %s\n", rc,
		    v.rows, v.reason);
		if (!tampered)
			abort();
	}
	if (rc == 1 && v.reason[0] == '\0') {
		fprintf(stderr, "broken: seq %" PRId64 " \"%s\"\n",
		    v.bad_seq, v.reason);
		abort();
	}
	read_back();
	return 0;
}

static char dir[] = "/dev/shm/husvagt-fuzz-XXXXXX";

/* The database and its WAL go when the fuzzer exits. */
static void
cleanup(void)
{
	static const char *const files[] = { "husvagt.db", "husvagt.db-wal",
	    "husvagt.db-shm" };
	char path[96];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[96];

	(void)argc; (void)argv;
	log_init("fuzz", LOG_LVL_ERR);
	/* A real file, as husvagtd has (WAL needs one); on tmpfs so that
	 * the commits cost no disk, and unlinked at once. */
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/husvagt.db", dir);
	if ((db = db_open(path)) == NULL ||
	    (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	atexit(cleanup);
	return 0;
}
