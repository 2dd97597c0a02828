#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "journal.h"
#include "journal_anchor.h"
#include "journal_int.h"
#include "log.h"

#define JOURNAL_QUEUE_MAX	4096	/* rows waiting for the disk */
#define JOURNAL_QUEUE_RESERVE	1024	/* of those, kept for vital rows */
#define JOURNAL_RETRY_MS	1000	/* between attempts while writes fail */
#define JOURNAL_WAITERS_MAX	64	/* callers waiting for their commit */
#define JOURNAL_CHECKPOINT	1000	/* WAL pages: SQLite's default */
#define JOURNAL_LINGER_US	2000	/* rows nobody waits for, at most */

/* The statements one connection keeps open for the journal. */
struct jconn {
	sqlite3		*db;
	sqlite3_stmt	*begin;
	sqlite3_stmt	*commit;
	sqlite3_stmt	*rollback;
	sqlite3_stmt	*insert;
	sqlite3_stmt	*head_set;
	sqlite3_stmt	*head_get;
};

/* A row waiting for its commit: numbered, stamped, detail encoded, every
 * field in buf. */
struct jrow {
	struct jrow		*next;
	int64_t			 seq;
	const char		*f[JF_N];
	size_t			 len[JF_N];
	bool			 vital;		/* keeps its place (journal_room) */
	bool			 has_text;
	struct journal_text	 text;
	char			 buf[];
};

struct jwaiter {
	int64_t		 seq;
	journal_done	*cb;
	void		*arg;
};

/*
 * The caller's side (the loop) numbers and queues rows; whoever commits
 * (the caller itself without a writer, else the writer thread) owns the
 * chain state.  The queue and what the writer reports are shared, under
 * mu.
 */
struct journal {
	const uint8_t	*key;
	struct jconn	 c;		/* the caller's connection */
	struct jconn	 w;		/* the writer's */
	sqlite3		*wdb;
	/* The chain as committed, owned by whoever commits. */
	int64_t		 chain_seq;
	uint8_t		 chain_mac[KEYS_MAC_LEN];
	bool		 stale;		/* reread the head before committing */
	/* The caller's. */
	int64_t		 last_seq;	/* the last row appended */
	int64_t		 seen;		/* hooks called up to this seq */
	int		 batch;
	journal_hook	*hook;
	void		*hook_arg;
	struct journal_anchor *anchor;	/* the head, kept outside */
	struct jwaiter	 waiters[JOURNAL_WAITERS_MAX];
	int		 nwaiters;
	bool		 was_failing;	/* as of the last journal_dispatch */
	bool		 closing;	/* journal_close() runs */
	pthread_mutex_t	 amu;		/* the anchor's writes */
	/* Shared, under mu. */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct jrow	*head;
	struct jrow	*tail;
	int		 nqueued;
	int		 held_max;	/* most rows queued in this outage */
	int64_t		 lost;		/* rows refused since last recorded */
	int64_t		 written;	/* every row up to this is written */
	int64_t		 committed;	/* ... and up to this flushed too */
	int64_t		 failed;	/* last row of the last failed attempt */
	bool		 failing;
	char		 error[128];
	char		 since[32];
	bool		 stop;
	bool		 urgent;	/* commit now: someone waits */
	bool		 threaded;
	pthread_t	 thread;
	int		 efd;		/* eventfd: the writer moved */
	int		 wal_pages;	/* the writer's: the WAL's size */
};

/* Rows not committed yet: queued, or written and not flushed.  Under mu. */
static int
journal_waiting(const struct journal *j)
{
	return j->nqueued + (int)(j->written - j->committed);
}

static const char journal_sql_insert[] =
    "INSERT INTO journal (seq, time, type, point, actor, subject, detail, mac)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char journal_sql_head_set[] =
    "INSERT OR REPLACE INTO journal_head (id, seq, mac, seal) "
    "VALUES (1, ?1, ?2, ?3)";
static const char journal_sql_head_get[] =
    "SELECT (SELECT seq FROM journal_head WHERE id = 1),"
    " (SELECT mac FROM journal_head WHERE id = 1),"
    " (SELECT max(seq) FROM journal)";

/* Append v as n bytes big-endian at p; returns p + n. */
static uint8_t *
journal_put_be(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
	return p + n;
}

/*
 * MAC of a row: HMAC(key, prev || seq (8 bytes) || for each field its
 * length (4 bytes) and bytes).  Both append and verify come here, so the
 * encoding cannot drift between them.
 */
int
journal_row_mac(const uint8_t *key, const uint8_t prev[KEYS_MAC_LEN],
    const struct journal_row *r, uint8_t out[KEYS_MAC_LEN])
{
	uint8_t *buf, *p;
	size_t total = KEYS_MAC_LEN + 8;
	int i, rc;

	for (i = 0; i < JF_N; i++) {
		if (r->len[i] > UINT32_MAX)
			return -1;
		total += 4 + r->len[i];
	}
	if ((buf = malloc(total)) == NULL) {
		log_warn("journal: mac");
		return -1;
	}
	memcpy(buf, prev, KEYS_MAC_LEN);
	p = journal_put_be(buf + KEYS_MAC_LEN, (uint64_t)r->seq, 8);
	for (i = 0; i < JF_N; i++) {
		p = journal_put_be(p, r->len[i], 4);
		memcpy(p, r->f[i], r->len[i]);
		p += r->len[i];
	}
	rc = keys_hmac(key, buf, total, out);
	free(buf);
	return rc;
}

/* Step a statement that returns no rows and reset it; -1 (logged) on
 * error. */
static int
journal_step(struct jconn *c, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		log_warnx("journal: %s: %s", sqlite3_sql(st),
		    sqlite3_errmsg(c->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Read the head into the chain state.  Rows past the head, or rows
 * without a head, would make every append collide with an existing seq,
 * so they are refused here with a clear reason.  A head past the last
 * row (rows cut off the end) is only warned about: appending after the
 * head keeps the gap, and so the evidence, for verify to find.
 */
static int
journal_load_head(struct journal *j, struct jconn *c)
{
	sqlite3_stmt *st = c->head_get;
	int64_t head, last;
	int rc = -1;

	if (sqlite3_step(st) != SQLITE_ROW) {
		log_warnx("journal: head: %s", sqlite3_errmsg(c->db));
		goto out;
	}
	head = sqlite3_column_int64(st, 0);
	last = sqlite3_column_int64(st, 2);
	if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
		if (last != 0) {
			log_warnx("journal: head missing while rows run to "
			    "%" PRId64 "; run journal verify", last);
			goto out;
		}
		j->chain_seq = 0;
		memset(j->chain_mac, 0, KEYS_MAC_LEN);
		j->stale = false;
		rc = 0;
		goto out;
	}
	if (head < last || sqlite3_column_bytes(st, 1) != KEYS_MAC_LEN) {
		log_warnx("journal: head (seq %" PRId64 ") does not match the "
		    "rows (last %" PRId64 "); run journal verify", head, last);
		goto out;
	}
	if (head > last)
		log_warnx("journal: rows after %" PRId64 " are missing (head "
		    "says %" PRId64 "); run journal verify", last, head);
	j->chain_seq = head;
	memcpy(j->chain_mac, sqlite3_column_blob(st, 1), KEYS_MAC_LEN);
	j->stale = false;
	rc = 0;
out:
	sqlite3_reset(st);
	return rc;
}

/* Prepare the statements a connection keeps open for the journal. */
static int
journal_prepare(struct jconn *c, sqlite3 *db)
{
	c->db = db;
	if (db_prepare(db, "BEGIN IMMEDIATE", &c->begin) == -1 ||
	    db_prepare(db, "COMMIT", &c->commit) == -1 ||
	    db_prepare(db, "ROLLBACK", &c->rollback) == -1 ||
	    db_prepare(db, journal_sql_insert, &c->insert) == -1 ||
	    db_prepare(db, journal_sql_head_set, &c->head_set) == -1 ||
	    db_prepare(db, journal_sql_head_get, &c->head_get) == -1)
		return -1;
	return 0;
}

static void
journal_unprepare(struct jconn *c)
{
	sqlite3_finalize(c->begin);
	sqlite3_finalize(c->commit);
	sqlite3_finalize(c->rollback);
	sqlite3_finalize(c->insert);
	sqlite3_finalize(c->head_set);
	sqlite3_finalize(c->head_get);
	memset(c, 0, sizeof(*c));
}

/* Open the journal on db, continuing the chain from the head. */
struct journal *
journal_open(sqlite3 *db, const uint8_t key[KEYS_LEN])
{
	struct journal *j;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		log_warn("journal: open");
		return NULL;
	}
	j->key = key;
	j->efd = -1;
	pthread_mutex_init(&j->mu, NULL);
	pthread_mutex_init(&j->amu, NULL);
	pthread_cond_init(&j->cv, NULL);
	if (journal_prepare(&j->c, db) == -1 ||
	    journal_load_head(j, &j->c) == -1) {
		journal_close(j);
		return NULL;
	}
	j->last_seq = j->chain_seq;
	j->seen = j->chain_seq;
	j->written = j->committed = j->chain_seq;
	return j;
}

/* Free the rows of a list of n (n < 0: all of it). */
static void
journal_rows_free(struct jrow *r, int n)
{
	struct jrow *next;

	for (; r != NULL && n != 0; r = next, n--) {
		next = r->next;
		free(r);
	}
}

/* Stop the writer (after its last attempt), finalize, free. */
void
journal_close(struct journal *j)
{
	int i;

	if (j == NULL)
		return;
	/* Whoever still waits hears no, and appends nothing more. */
	j->closing = true;
	for (i = 0; i < j->nwaiters; i++)
		j->waiters[i].cb(j->waiters[i].arg, false);
	j->nwaiters = 0;
	if (j->threaded) {
		pthread_mutex_lock(&j->mu);
		j->stop = true;
		pthread_cond_signal(&j->cv);
		pthread_mutex_unlock(&j->mu);
		pthread_join(j->thread, NULL);
		if (j->nqueued > 0)
			log_warnx("journal: %d rows could not be written before "
			    "the stop; they are lost", j->nqueued);
		if (j->written > j->committed)
			log_warnx("journal: %" PRId64 " rows were written but "
			    "not flushed before the stop", j->written -
			    j->committed);
		journal_unprepare(&j->w);
		db_close(j->wdb);
	}
	journal_rows_free(j->head, -1);
	journal_unprepare(&j->c);
	if (j->efd >= 0)
		close(j->efd);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	pthread_mutex_destroy(&j->amu);
	free(j);
}

void
journal_set_anchor(struct journal *j, struct journal_anchor *a)
{
	j->anchor = a;
}

int
journal_anchor_note(struct journal *j, int64_t seq, const char *reason)
{
	int rc = -1;

	pthread_mutex_lock(&j->amu);
	if (j->anchor != NULL)
		rc = journal_anchor_break(j->anchor, seq, reason);
	pthread_mutex_unlock(&j->amu);
	return rc;
}

void
journal_set_hook(struct journal *j, journal_hook *hook, void *arg)
{
	j->hook = hook;
	j->hook_arg = arg;
}

int64_t
journal_last_seq(const struct journal *j)
{
	return j->last_seq;
}

int64_t
journal_committed_seq(const struct journal *j)
{
	return j->seen;
}

/* Detail as compact JSON with sorted keys, so that the same object always
 * gives the same bytes.  Returns malloc'd text or NULL (logged). */
static char *
journal_detail_text(const json_t *detail)
{
	char *text;

	if (detail == NULL)
		return strdup("{}");
	if (!json_is_object(detail)) {
		log_warnx("journal: detail is not a JSON object");
		return NULL;
	}
	text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		log_warnx("journal: cannot encode detail");
	return text;
}

/*
 * The head's seal: HMAC(journal key, "husvagt head v1" || seq || MAC of
 * row seq).  Without the key nobody can move the head back over rows cut
 * off the end; only an old head saved earlier could be put back, which
 * the MQTT event stream, numbered by seq, would give away.
 */
int
journal_head_seal(const uint8_t key[KEYS_LEN], int64_t seq,
    const uint8_t mac[KEYS_MAC_LEN], uint8_t out[KEYS_MAC_LEN])
{
	static const char tag[] = "husvagt head v1";
	uint8_t msg[sizeof(tag) + 8 + KEYS_MAC_LEN];
	int i;

	memcpy(msg, tag, sizeof(tag));
	for (i = 0; i < 8; i++)
		msg[sizeof(tag) + i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
	memcpy(msg + sizeof(tag) + 8, mac, KEYS_MAC_LEN);
	return keys_hmac(key, msg, sizeof(msg), out);
}

/*
 * The detail's text for row seq: with t, a copy of detail that also holds
 * t's HMAC under "<field>_hmac" (the text itself never).  Returns
 * malloc'd text or NULL (logged).
 */
static char *
journal_detail_seq(struct journal *j, int64_t seq, const json_t *detail,
    const struct journal_text *t)
{
	char hex[JOURNAL_TEXT_HEX], name[64], *text;
	json_t *d;

	if (t == NULL)
		return journal_detail_text(detail);
	if (detail != NULL && !json_is_object(detail))
		return journal_detail_text(detail);
	d = detail != NULL ? json_copy((json_t *)detail) : json_object();
	snprintf(name, sizeof(name), "%s_hmac", t->field);
	if (d == NULL || journal_text_mac(j->key, seq, t->field, t->text,
	    hex) == -1 || json_object_set_new(d, name, json_string(hex))) {
		json_decref(d);
		log_warnx("journal: cannot seal a text");
		return NULL;
	}
	text = journal_detail_text(d);
	json_decref(d);
	return text;
}


/* Fill the caller's fields; point and subject may be NULL (""). */
static int
journal_row_check(const char *type, const char *actor, const json_t *detail)
{
	if (type == NULL || *type == '\0' || actor == NULL || *actor == '\0') {
		log_warnx("journal: append without type or actor");
		return -1;
	}
	if (detail != NULL && !json_is_object(detail)) {
		log_warnx("journal: detail is not a JSON object");
		return -1;
	}
	return 0;
}

/*
 * The rows that keep their place when the queue is nearly full: a fire,
 * an exit, a forced door, any alarm, the mode and the evacuation.
 */
static bool
journal_type_vital(const char *type)
{
	static const char *const prefixes[] = { "alarm.", "mode.",
	    "evacuation.", "journal.", "door.rex", "door.forced" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(type, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/*
 * A row numbered seq, stamped now, its detail encoded (with its text's
 * HMAC), every field copied into one allocation.  NULL (logged).
 */
static struct jrow *
journal_row_new(struct journal *j, int64_t seq, const char *type,
    const char *point, const char *actor, const char *subject,
    const json_t *detail, const struct journal_text *t)
{
	const char *src[JF_N];
	char now[32], *text, *p;
	size_t len[JF_N], total = 0, tf = 0, tt = 0;
	struct jrow *r;
	int i;

	if ((text = journal_detail_seq(j, seq, detail, t)) == NULL)
		return NULL;
	clock_iso8601(now, sizeof(now));
	src[JF_TIME] = now;
	src[JF_TYPE] = type;
	src[JF_POINT] = point != NULL ? point : "";
	src[JF_ACTOR] = actor;
	src[JF_SUBJECT] = subject != NULL ? subject : "";
	src[JF_DETAIL] = text;
	for (i = 0; i < JF_N; i++)
		total += (len[i] = strlen(src[i])) + 1;
	if (t != NULL) {
		tf = strlen(t->field) + 1;
		tt = strlen(t->text) + 1;
	}
	if ((r = calloc(1, sizeof(*r) + total + tf + tt)) == NULL) {
		log_warn("journal: row");
		free(text);
		return NULL;
	}
	r->seq = seq;
	p = r->buf;
	for (i = 0; i < JF_N; i++) {
		memcpy(p, src[i], len[i] + 1);
		r->f[i] = p;
		r->len[i] = len[i];
		p += len[i] + 1;
	}
	if (t != NULL) {
		r->has_text = true;
		r->text.field = memcpy(p, t->field, tf);
		r->text.text = memcpy(p + tf, t->text, tt);
		r->text.stay = t->stay;
	}
	r->vital = journal_type_vital(type);
	free(text);
	return r;
}

/* Insert one row with its MAC. */
static int
journal_insert(struct jconn *c, const struct jrow *r,
    const uint8_t mac[KEYS_MAC_LEN])
{
	sqlite3_stmt *st = c->insert;
	int i;

	sqlite3_bind_int64(st, 1, r->seq);
	for (i = 0; i < JF_N; i++)
		sqlite3_bind_text(st, 2 + i, r->f[i], (int)r->len[i],
		    SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, mac, KEYS_MAC_LEN, SQLITE_STATIC);
	return journal_step(c, st);
}

/*
 * Commit n rows from first in one transaction on c: each row's MAC over
 * the one before, then the head moved to the last.  The chain state
 * moves only after COMMIT succeeded.  After a failure (a full disk, an
 * I/O error) it is marked stale and reread from the head before the next
 * attempt: SQLite may have kept or dropped the transaction, and only the
 * database knows which.  err (may be NULL) gets SQLite's reason.
 */
static int
journal_commit_rows(struct journal *j, struct jconn *c, struct jrow *first,
    int n, char *err, size_t errlen)
{
	uint8_t prev[KEYS_MAC_LEN], mac[KEYS_MAC_LEN], seal[KEYS_MAC_LEN];
	struct journal_row r;
	struct jrow *x;
	int64_t seq = j->chain_seq;
	int i, k;

	if (journal_step(c, c->begin) == -1)
		goto fail;
	memcpy(prev, j->chain_mac, KEYS_MAC_LEN);
	for (x = first, i = 0; i < n; x = x->next, i++) {
		r.seq = x->seq;
		for (k = 0; k < JF_N; k++) {
			r.f[k] = x->f[k];
			r.len[k] = x->len[k];
		}
		if (journal_row_mac(j->key, prev, &r, mac) == -1 ||
		    journal_insert(c, x, mac) == -1 ||
		    (x->has_text && journal_text_insert(c->db, x->seq,
		    x->f[JF_TIME], &x->text) == -1))
			goto fail;
		memcpy(prev, mac, KEYS_MAC_LEN);
		seq = x->seq;
	}
	if (journal_head_seal(j->key, seq, prev, seal) != 0)
		goto fail;
	sqlite3_bind_int64(c->head_set, 1, seq);
	sqlite3_bind_blob(c->head_set, 2, prev, KEYS_MAC_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(c->head_set, 3, seal, KEYS_MAC_LEN, SQLITE_STATIC);
	if (journal_step(c, c->head_set) == -1 ||
	    journal_step(c, c->commit) == -1)
		goto fail;
	j->chain_seq = seq;
	memcpy(j->chain_mac, prev, KEYS_MAC_LEN);
	return 0;

fail:
	if (err != NULL)
		snprintf(err, errlen, "%s", sqlite3_errmsg(c->db));
	if (!sqlite3_get_autocommit(c->db))
		journal_step(c, c->rollback);
	j->stale = true;
	return -1;
}

/* Call the hook for every row committed since the last call. */
static void
journal_hooks(struct journal *j, int64_t committed)
{
	int64_t seq;

	for (seq = j->seen + 1; seq <= committed; seq++)
		if (j->hook != NULL)
			j->hook(j->hook_arg, seq);
	if (committed > j->seen)
		j->seen = committed;
}

/*
 * Without a writer: commit what is queued now, on the caller's
 * connection.  Rows that could not be committed are dropped (the caller
 * was told), and the numbering restarts from the head.
 */
static int
journal_commit_inline(struct journal *j)
{
	char err[128];
	int rc;

	if (j->head == NULL)
		return 0;
	rc = journal_commit_rows(j, &j->c, j->head, j->nqueued, err,
	    sizeof(err));
	journal_rows_free(j->head, -1);
	j->head = j->tail = NULL;
	j->nqueued = 0;
	if (rc == -1) {
		j->last_seq = j->chain_seq;
		if (!j->failing)
			clock_iso8601(j->since, sizeof(j->since));
		snprintf(j->error, sizeof(j->error), "%s", err);
		j->failing = true;
		return -1;
	}
	j->failing = false;
	j->written = j->committed = j->chain_seq;
	journal_anchor_set(j->anchor, j->chain_seq, j->chain_mac);
	journal_hooks(j, j->chain_seq);
	return 0;
}

/* Is there a place in the queue for a row?  Called locked. */
static bool
journal_room(const struct journal *j, bool vital)
{
	if (!j->threaded)
		return true;
	return j->nqueued < (vital ? JOURNAL_QUEUE_MAX :
	    JOURNAL_QUEUE_MAX - JOURNAL_QUEUE_RESERVE);
}

/*
 * Append one row: numbered, stamped and queued here, committed by the
 * writer (or at once, without one).  Returns the seq, or -1 (logged).
 */
int64_t
journal_append_text(struct journal *j, const char *type, const char *point,
    const char *actor, const char *subject, const json_t *detail,
    const struct journal_text *t)
{
	struct jrow *r;
	int64_t seq;

	if (journal_row_check(type, actor, detail) == -1 || j->closing)
		return -1;
	if (!j->threaded && j->stale) {
		if (journal_load_head(j, &j->c) == -1)
			goto err;
		j->last_seq = j->chain_seq;
	}
	seq = j->last_seq + 1;
	if ((r = journal_row_new(j, seq, type, point, actor, subject, detail,
	    t)) == NULL)
		goto err;
	pthread_mutex_lock(&j->mu);
	if (!journal_room(j, r->vital)) {
		j->lost++;
		pthread_mutex_unlock(&j->mu);
		free(r);
		log_warnx("journal: %s lost: %d rows are waiting for the disk",
		    type, JOURNAL_QUEUE_MAX);
		return -1;
	}
	if (j->tail != NULL)
		j->tail->next = r;
	else
		j->head = r;
	j->tail = r;
	j->nqueued++;
	if (r->vital)
		j->urgent = true;
	if (j->failing && journal_waiting(j) > j->held_max)
		j->held_max = journal_waiting(j);
	if (j->threaded && j->batch == 0)
		pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	j->last_seq = seq;
	if (j->threaded || j->batch > 0)
		return seq;
	if (journal_commit_inline(j) == -1)
		goto err;
	return seq;

err:
	log_warnx("journal: %s not committed", type);
	return -1;
}

int64_t
journal_append(struct journal *j, const char *type, const char *point,
    const char *actor, const char *subject, const json_t *detail)
{
	return journal_append_text(j, type, point, actor, subject, detail,
	    NULL);
}

int
journal_batch_begin(struct journal *j)
{
	if (j->batch++ > 0 || j->threaded)
		return 0;
	if (j->stale) {
		if (journal_load_head(j, &j->c) == -1)
			return -1;
		j->last_seq = j->chain_seq;
	}
	return 0;
}

int
journal_batch_end(struct journal *j)
{
	if (j->batch == 0 || --j->batch > 0)
		return 0;
	if (j->threaded) {
		pthread_mutex_lock(&j->mu);
		pthread_cond_signal(&j->cv);
		pthread_mutex_unlock(&j->mu);
		return 0;
	}
	if (journal_commit_inline(j) == -1) {
		log_warnx("journal: a batch of rows was not committed");
		return -1;
	}
	return 0;
}

/* ---- The writer ------------------------------------------------------ */

/* Tell the loop something moved: a commit, a failure, a recovery. */
static void
journal_wake(struct journal *j)
{
	uint64_t one = 1;

	if (write(j->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("journal: eventfd");
}

/*
 * After a failed attempt: reread the head and forget the queued rows it
 * already holds (a COMMIT reported as failed may have reached the disk).
 */
static void
journal_writer_reload(struct journal *j)
{
	int64_t n = 0;
	struct jrow *r;

	if (journal_load_head(j, &j->w) == -1)
		return;
	pthread_mutex_lock(&j->mu);
	while ((r = j->head) != NULL && r->seq <= j->chain_seq) {
		j->head = r->next;
		if (j->head == NULL)
			j->tail = NULL;
		j->nqueued--;
		free(r);
		n++;
	}
	if (n > 0 && j->chain_seq > j->written)
		j->written = j->chain_seq;
	pthread_mutex_unlock(&j->mu);
	if (n > 0)
		log_warnx("journal: %" PRId64 " rows reported as failed were "
		    "committed after all", n);
}

/* Wait, locked, until ms from now or until stop. */
static void
journal_writer_pause(struct journal *j, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!j->stop && pthread_cond_timedwait(&j->cv, &j->mu, &ts) == 0)
		;
}

/*
 * Rows nobody waits for (a denial, a door closed) wait up to
 * JOURNAL_LINGER_US for company before the writer commits them; a row
 * somebody waits for (a grant's, journal_on_commit), a vital row (fire,
 * exit, alarm) or the stop ends the wait at once.  So the rows that come
 * just before a card are committed with the card's own row, in its one
 * fsync, rather than in a commit of their own that the card's would have
 * to wait behind (SQLite's WAL takes one commit at a time).  Called and
 * returns locked.
 */
static void
journal_writer_linger(struct journal *j)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += JOURNAL_LINGER_US * 1000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (!j->stop && !j->urgent && !j->failing &&
	    pthread_cond_timedwait(&j->cv, &j->mu, &ts) == 0)
		;
}

/* SQLite's WAL hook on the writer's connection: note the WAL's size. */
static int
journal_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct journal *j = arg;

	(void)db;
	(void)name;
	j->wal_pages = pages;
	return SQLITE_OK;
}

/*
 * Copy the WAL back into the database once it holds JOURNAL_CHECKPOINT
 * pages, as SQLite's automatic checkpoint would, but after the commit
 * was reported (journal_wake): SQLite runs its own inside COMMIT, which
 * a grant waiting for that commit would wait for too.  Passive: it never
 * waits for a reader, and stops short instead.
 */
static void
journal_writer_checkpoint(struct journal *j)
{
	if (j->wal_pages < JOURNAL_CHECKPOINT)
		return;
	j->wal_pages = 0;
	if (sqlite3_wal_checkpoint_v2(j->wdb, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL) != SQLITE_OK)
		log_warnx("journal: checkpoint: %s", sqlite3_errmsg(j->wdb));
}

/*
 * Make what the writer committed durable.  Its connection commits with
 * synchronous=NORMAL, which writes the WAL but does not flush it, so it
 * holds the WAL's write lock only while it writes: a loop write that
 * meets a commit waits microseconds, never a stalled flush.  The flush
 * of the WAL comes here, outside every lock, before the commit is
 * reported; it covers every frame written before it, the loop's own
 * included.  0, or -1 with err.
 */
static int
journal_writer_sync(struct journal *j, char *err, size_t errlen)
{
	sqlite3_file *f = NULL;
	int rc;

	rc = sqlite3_file_control(j->wdb, "main",
	    SQLITE_FCNTL_JOURNAL_POINTER, &f);
	if (rc != SQLITE_OK || f == NULL || f->pMethods == NULL) {
		snprintf(err, errlen, "no WAL to flush");
		return -1;
	}
	if ((rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL)) != SQLITE_OK) {
		snprintf(err, errlen, "flushing the WAL: %s",
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

/*
 * Commit the queued rows: every row queued since the last commit goes
 * into one transaction (group commit).  On success they leave the queue
 * as written, not yet committed (journal_writer_sync makes them so).
 * Called and returns locked.  0 or -1 with err.
 */
static int
journal_writer_write(struct journal *j, char *err, size_t errlen)
{
	struct jrow *first, *x;
	int64_t last;
	int n, i;

	journal_writer_linger(j);
	j->urgent = false;
	pthread_mutex_unlock(&j->mu);
	if (j->stale)
		journal_writer_reload(j);
	pthread_mutex_lock(&j->mu);
	if (j->head == NULL)
		return 0;
	first = j->head;
	n = j->nqueued;
	last = j->tail->seq;
	pthread_mutex_unlock(&j->mu);
	if (journal_commit_rows(j, &j->w, first, n, err, errlen) == -1) {
		pthread_mutex_lock(&j->mu);
		j->failed = last;
		return -1;
	}
	pthread_mutex_lock(&j->mu);
	for (x = first, i = 0; i < n; i++)
		x = x->next;
	j->head = x;
	if (x == NULL)
		j->tail = NULL;
	j->nqueued -= n;
	j->written = last;
	pthread_mutex_unlock(&j->mu);
	journal_rows_free(first, n);
	pthread_mutex_lock(&j->mu);
	return 0;
}

/*
 * The writer: writes what is queued (journal_writer_write), flushes it
 * (journal_writer_sync), then reports it committed.  While the disk
 * fails it tries again every JOURNAL_RETRY_MS with all that is queued,
 * so the rows are written in order once there is room.  At the stop it
 * makes one last attempt.
 */
static void *
journal_writer(void *arg)
{
	struct journal *j = arg;
	char err[128];
	int rc;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (!j->stop && j->head == NULL &&
		    j->written == j->committed)
			pthread_cond_wait(&j->cv, &j->mu);
		if (j->head == NULL && j->written == j->committed)
			break;
		rc = 0;
		if (j->head != NULL)
			rc = journal_writer_write(j, err, sizeof(err));
		if (rc == 0 && j->written > j->committed) {
			pthread_mutex_unlock(&j->mu);
			rc = journal_writer_sync(j, err, sizeof(err));
			pthread_mutex_lock(&j->mu);
			if (rc == -1)
				j->failed = j->written;
		}
		if (rc == 0) {
			j->committed = j->written;
			j->failing = false;
			/* The loop hears of the commit first; what follows
			 * is nobody's wait. */
			journal_wake(j);
			pthread_mutex_unlock(&j->mu);
			/* The anchor after the flush, never before it; not
			 * under mu, which the loop's dispatch takes next,
			 * but under amu, in step with journal_anchor_note. */
			pthread_mutex_lock(&j->amu);
			journal_anchor_set(j->anchor, j->chain_seq,
			    j->chain_mac);
			pthread_mutex_unlock(&j->amu);
			journal_writer_checkpoint(j);
			pthread_mutex_lock(&j->mu);
			continue;
		}
		if (!j->failing) {
			j->failing = true;
			clock_iso8601(j->since, sizeof(j->since));
			j->held_max = journal_waiting(j);
		}
		snprintf(j->error, sizeof(j->error), "%s", err);
		journal_wake(j);
		if (j->stop)
			break;
		journal_writer_pause(j, JOURNAL_RETRY_MS);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/*
 * Hand the writing to a thread of its own with its own connection to the
 * same database file.  The caller's connection then stops syncing (its
 * commits reach the disk with the writer's next fsync of the same WAL)
 * and stops checkpointing (the writer does), so that nothing the loop
 * does waits for the disk.  0 or -1 (logged; the journal stays inline).
 */
int
journal_start_writer(struct journal *j)
{
	const char *path = sqlite3_db_filename(j->c.db, "main");
	pthread_condattr_t ca;

	if (j->threaded)
		return 0;
	if (path == NULL || *path == '\0') {
		log_warnx("journal: no file for a writer; writing inline");
		return -1;
	}
	if ((j->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		log_warn("journal: eventfd");
		return -1;
	}
	if ((j->wdb = db_open_more(path)) == NULL ||
	    journal_prepare(&j->w, j->wdb) == -1 ||
	    journal_load_head(j, &j->w) == -1)
		goto err;
	/* Its commits write the WAL and journal_writer_sync flushes it,
	 * outside the write lock; its checkpoints come after the commit
	 * is reported, not inside COMMIT (journal_writer_checkpoint), and
	 * flush the WAL and the database (NORMAL does that much). */
	if (db_exec(j->wdb, "PRAGMA synchronous=NORMAL") == -1)
		goto err;
	sqlite3_wal_hook(j->wdb, journal_wal_hook, j);
	pthread_cond_destroy(&j->cv);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (db_exec(j->c.db, "PRAGMA synchronous=NORMAL") == -1)
		goto err;
	sqlite3_wal_autocheckpoint(j->c.db, 0);
	j->threaded = true;
	if ((errno = pthread_create(&j->thread, NULL, journal_writer, j))
	    != 0) {
		log_warn("journal: writer");
		j->threaded = false;
		goto err;
	}
	return 0;

err:
	journal_unprepare(&j->w);
	db_close(j->wdb);
	j->wdb = NULL;
	close(j->efd);
	j->efd = -1;
	db_exec(j->c.db, "PRAGMA synchronous=FULL");
	sqlite3_wal_autocheckpoint(j->c.db, 1000);
	return -1;
}

int
journal_fd(const struct journal *j)
{
	return j->threaded ? j->efd : -1;
}

/* ---- The caller's side of the writer -------------------------------- */

int
journal_on_commit(struct journal *j, int64_t seq, journal_done *cb,
    void *arg)
{
	if (seq <= j->seen) {
		cb(arg, true);
		return 0;
	}
	if (j->nwaiters == JOURNAL_WAITERS_MAX) {
		log_warnx("journal: too many waiting for their commit");
		return -1;
	}
	j->waiters[j->nwaiters++] = (struct jwaiter){ seq, cb, arg };
	/* Somebody waits: the writer commits now (journal_writer_linger). */
	if (j->threaded) {
		pthread_mutex_lock(&j->mu);
		j->urgent = true;
		if (j->batch == 0)
			pthread_cond_signal(&j->cv);
		pthread_mutex_unlock(&j->mu);
	}
	return 0;
}

/* Call the waiters whose rows were committed (true) or whose rows an
 * attempt failed to commit (false). */
static void
journal_waiters_run(struct journal *j, int64_t committed, int64_t failed)
{
	struct jwaiter due[JOURNAL_WAITERS_MAX];
	bool ok[JOURNAL_WAITERS_MAX];
	int i, k = 0, n = 0;

	for (i = 0; i < j->nwaiters; i++) {
		if (j->waiters[i].seq <= committed ||
		    j->waiters[i].seq <= failed) {
			ok[n] = j->waiters[i].seq <= committed;
			due[n++] = j->waiters[i];
		} else
			j->waiters[k++] = j->waiters[i];
	}
	j->nwaiters = k;
	for (i = 0; i < n; i++)
		due[i].cb(due[i].arg, ok[i]);
}

/*
 * The outage is over: record it, with how many rows waited and how many
 * were lost, after the rows that waited.  Rows lost while the disk was
 * only slow are recorded the same way.
 */
static void
journal_outage_row(struct journal *j, bool outage)
{
	char since[32], error[128];
	int64_t lost;
	int held;

	pthread_mutex_lock(&j->mu);
	lost = j->lost;
	held = j->held_max;
	memcpy(since, j->since, sizeof(since));
	memcpy(error, j->error, sizeof(error));
	j->lost = 0;
	j->held_max = 0;
	pthread_mutex_unlock(&j->mu);
	if (outage) {
		log_warnx("journal: the disk takes rows again (failing since "
		    "%s: %s); %d rows waited, %" PRId64 " lost", since, error,
		    held, lost);
		journal_append(j, "journal.outage", "", "system", "",
		    json_pack("{s:s, s:s, s:i, s:I}", "since", since, "error",
		    error, "held", held, "lost", (json_int_t)lost));
	} else if (lost > 0)
		journal_append(j, "journal.lost", "", "system", "",
		    json_pack("{s:I}", "lost", (json_int_t)lost));
}

bool
journal_dispatch(struct journal *j)
{
	int64_t committed, failed, lost;
	uint64_t v;
	bool failing, changed;

	if (!j->threaded)
		return false;
	if (read(j->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("journal: eventfd");
	pthread_mutex_lock(&j->mu);
	committed = j->committed;
	failed = j->failed;
	failing = j->failing;
	lost = j->lost;
	pthread_mutex_unlock(&j->mu);
	journal_hooks(j, committed);
	journal_waiters_run(j, committed, failed);
	changed = failing != j->was_failing;
	if (changed && failing)
		log_warnx("journal: storage fault: rows cannot be written (%s); "
		    "they wait in memory", j->error);
	if (j->was_failing && !failing)
		journal_outage_row(j, true);
	else if (!failing && lost > 0)
		journal_outage_row(j, false);
	j->was_failing = failing;
	return changed;
}

void
journal_health(struct journal *j, struct journal_health *s)
{
	pthread_mutex_lock(&j->mu);
	s->failing = j->failing;
	s->queued = journal_waiting(j);
	s->lost = j->lost;
	snprintf(s->since, sizeof(s->since), "%s", j->failing ? j->since : "");
	snprintf(s->error, sizeof(s->error), "%s", j->failing ? j->error : "");
	pthread_mutex_unlock(&j->mu);
}

void
journal_sync(struct journal *j, int timeout_ms)
{
	struct pollfd pfd = { .fd = j->efd, .events = POLLIN };
	uint64_t end = clock_mono_ms() + (uint64_t)timeout_ms;
	bool done;

	if (!j->threaded)
		return;
	for (;;) {
		pthread_mutex_lock(&j->mu);
		j->urgent = true;
		pthread_cond_signal(&j->cv);
		done = (j->nqueued == 0 && j->written == j->committed) ||
		    j->failing;
		pthread_mutex_unlock(&j->mu);
		if (done || clock_mono_ms() >= end)
			break;
		(void)poll(&pfd, 1, 20);
		journal_dispatch(j);
	}
	journal_dispatch(j);
}

bool
journal_failing(const struct journal *j)
{
	return j->threaded && j->was_failing;
}
