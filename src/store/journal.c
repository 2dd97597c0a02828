#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "journal.h"
#include "journal_anchor.h"
#include "journal_int.h"
#include "log.h"

struct journal {
	sqlite3		*db;
	const uint8_t	*key;
	sqlite3_stmt	*begin;
	sqlite3_stmt	*commit;
	sqlite3_stmt	*rollback;
	sqlite3_stmt	*insert;
	sqlite3_stmt	*head_set;
	sqlite3_stmt	*head_get;
	int64_t		 last_seq;
	uint8_t		 last_mac[KEYS_MAC_LEN];
	int		 stale;		/* reread the head before appending */
	int		 batch;		/* rows go into one open transaction */
	int64_t		 batch_first;	/* its first seq (0: none yet) */
	journal_hook	*hook;
	void		*hook_arg;
	struct journal_anchor *anchor;	/* the head, kept outside */
};

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
journal_step(struct journal *j, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		log_warnx("journal: %s: %s", sqlite3_sql(st),
		    sqlite3_errmsg(j->db));
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
journal_load_head(struct journal *j)
{
	sqlite3_stmt *st = j->head_get;
	int64_t head, last;
	int rc = -1;

	if (sqlite3_step(st) != SQLITE_ROW) {
		log_warnx("journal: head: %s", sqlite3_errmsg(j->db));
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
		j->last_seq = 0;
		memset(j->last_mac, 0, KEYS_MAC_LEN);
		j->stale = 0;
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
	j->last_seq = head;
	memcpy(j->last_mac, sqlite3_column_blob(st, 1), KEYS_MAC_LEN);
	j->stale = 0;
	rc = 0;
out:
	sqlite3_reset(st);
	return rc;
}

/* Prepare the statements the journal keeps open. */
static int
journal_prepare(struct journal *j)
{
	if (db_prepare(j->db, "BEGIN IMMEDIATE", &j->begin) == -1 ||
	    db_prepare(j->db, "COMMIT", &j->commit) == -1 ||
	    db_prepare(j->db, "ROLLBACK", &j->rollback) == -1 ||
	    db_prepare(j->db, journal_sql_insert, &j->insert) == -1 ||
	    db_prepare(j->db, journal_sql_head_set, &j->head_set) == -1 ||
	    db_prepare(j->db, journal_sql_head_get, &j->head_get) == -1)
		return -1;
	return 0;
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
	j->db = db;
	j->key = key;
	if (journal_prepare(j) == -1 || journal_load_head(j) == -1) {
		journal_close(j);
		return NULL;
	}
	return j;
}

/* Finalize the statements and free the journal. */
void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	sqlite3_finalize(j->begin);
	sqlite3_finalize(j->commit);
	sqlite3_finalize(j->rollback);
	sqlite3_finalize(j->insert);
	sqlite3_finalize(j->head_set);
	sqlite3_finalize(j->head_get);
	free(j);
}

void
journal_set_anchor(struct journal *j, struct journal_anchor *a)
{
	j->anchor = a;
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

/* Fill the caller's fields; point and subject may be NULL (""). */
static int
journal_row_fill(struct journal_row *r, const char *type, const char *point,
    const char *actor, const char *subject, const char *detail)
{
	int i;

	if (type == NULL || *type == '\0' || actor == NULL || *actor == '\0') {
		log_warnx("journal: append without type or actor");
		return -1;
	}
	r->f[JF_TYPE] = type;
	r->f[JF_POINT] = point != NULL ? point : "";
	r->f[JF_ACTOR] = actor;
	r->f[JF_SUBJECT] = subject != NULL ? subject : "";
	r->f[JF_DETAIL] = detail;
	for (i = 0; i < JF_N; i++)
		if (i != JF_TIME)
			r->len[i] = strlen(r->f[i]);
	return 0;
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

/* Bind and insert the row, then move the head to it. */
static int
journal_write(struct journal *j, const struct journal_row *r,
    const uint8_t mac[KEYS_MAC_LEN])
{
	sqlite3_stmt *st = j->insert;
	uint8_t seal[KEYS_MAC_LEN];
	int i;

	sqlite3_bind_int64(st, 1, r->seq);
	for (i = 0; i < JF_N; i++)
		sqlite3_bind_text(st, 2 + i, r->f[i], (int)r->len[i],
		    SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, mac, KEYS_MAC_LEN, SQLITE_STATIC);
	if (journal_step(j, st) == -1)
		return -1;
	if (journal_head_seal(j->key, r->seq, mac, seal) != 0)
		return -1;
	sqlite3_bind_int64(j->head_set, 1, r->seq);
	sqlite3_bind_blob(j->head_set, 2, mac, KEYS_MAC_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(j->head_set, 3, seal, KEYS_MAC_LEN, SQLITE_STATIC);
	return journal_step(j, j->head_set);
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

/*
 * Number, stamp, MAC and write the row inside the open transaction, with
 * its text (t, may be NULL) beside it.  The time is read after BEGIN
 * IMMEDIATE holds the write lock, so that times follow seq order.
 */
static int
journal_commit_row(struct journal *j, struct journal_row *r,
    const json_t *detail, const struct journal_text *t,
    uint8_t mac[KEYS_MAC_LEN])
{
	char now[32], *text;
	int rc = -1;

	if (j->stale && journal_load_head(j) == -1)
		return -1;
	clock_iso8601(now, sizeof(now));
	r->seq = j->last_seq + 1;
	r->f[JF_TIME] = now;
	r->len[JF_TIME] = strlen(now);
	if ((text = journal_detail_seq(j, r->seq, detail, t)) == NULL)
		return -1;
	r->f[JF_DETAIL] = text;
	r->len[JF_DETAIL] = strlen(text);
	if (journal_row_mac(j->key, j->last_mac, r, mac) == -1 ||
	    journal_write(j, r, mac) == -1 ||
	    (t != NULL && journal_text_insert(j->db, r->seq, now, t) == -1))
		goto out;
	rc = j->batch ? 0 : journal_step(j, j->commit);
out:
	free(text);
	return rc;
}

/*
 * Append one row.  The chain state in memory moves only after COMMIT
 * succeeded.  After any failure (a full disk, an I/O error) it is marked
 * stale and reread from the head before the next append: SQLite may have
 * kept or dropped the transaction, and only the database knows which.
 */
int64_t
journal_append_text(struct journal *j, const char *type, const char *point,
    const char *actor, const char *subject, const json_t *detail,
    const struct journal_text *t)
{
	struct journal_row r;
	uint8_t mac[KEYS_MAC_LEN];

	if (detail != NULL && !json_is_object(detail)) {
		log_warnx("journal: detail is not a JSON object");
		return -1;
	}
	if (journal_row_fill(&r, type, point, actor, subject, "") == -1)
		return -1;
	if (!j->batch && journal_step(j, j->begin) == -1)
		goto err_tx;
	if (journal_commit_row(j, &r, detail, t, mac) == -1)
		goto err_tx;
	j->last_seq = r.seq;
	memcpy(j->last_mac, mac, KEYS_MAC_LEN);
	if (j->batch && j->batch_first == 0)
		j->batch_first = r.seq;
	if (j->batch)
		return r.seq;
	journal_anchor_set(j->anchor, j->last_seq, j->last_mac);
	if (j->hook != NULL)
		j->hook(j->hook_arg, r.seq);
	return r.seq;

err_tx:
	log_warnx("journal: %s not committed%s", type, j->batch ?
	    ", nor the rows before it in its batch" : "");
	if (!sqlite3_get_autocommit(j->db))
		journal_step(j, j->rollback);
	j->stale = 1;
	j->batch = 0;		/* the rest go one by one */
	j->batch_first = 0;
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
	if (j->batch)
		return 0;
	if (journal_step(j, j->begin) == -1) {
		j->stale = 1;
		return -1;
	}
	j->batch = 1;
	j->batch_first = 0;
	return 0;
}

int
journal_batch_end(struct journal *j)
{
	int64_t seq, first = j->batch_first;

	if (!j->batch)
		return first == 0 && !j->stale ? 0 : -1;
	j->batch = 0;
	j->batch_first = 0;
	if (journal_step(j, j->commit) == -1) {
		log_warnx("journal: a batch of rows from %lld was not "
		    "committed", (long long)first);
		if (!sqlite3_get_autocommit(j->db))
			journal_step(j, j->rollback);
		j->stale = 1;
		return -1;
	}
	if (first != 0)
		journal_anchor_set(j->anchor, j->last_seq, j->last_mac);
	for (seq = first; first != 0 && seq <= j->last_seq; seq++)
		if (j->hook != NULL)
			j->hook(j->hook_arg, seq);
	return 0;
}
