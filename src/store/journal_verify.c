/*
 * Verifying the journal's chain (journal_verify): every row's MAC against
 * the one before it, gaps in seq, and the head's seal, so that a row
 * changed, removed or cut off the end is found and named.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "journal.h"
#include "journal_anchor.h"
#include "journal_int.h"
#include "log.h"

/* Name the rows first..last: "row 17" or "rows 17-19". */
static void
journal_span(char *buf, size_t len, int64_t first, int64_t last)
{
	if (first == last)
		snprintf(buf, len, "row %" PRId64, first);
	else
		snprintf(buf, len, "rows %" PRId64 "-%" PRId64, first, last);
}

/* Describe rows first..last missing between two present rows. */
static void
journal_gap(struct journal_verify *v, int64_t first, int64_t last)
{
	char what[64];

	journal_span(what, sizeof(what), first, last);
	if (first > 1)
		snprintf(v->reason, sizeof(v->reason), "%s missing (rows %"
		    PRId64 " and %" PRId64 " present)", what, first - 1,
		    last + 1);
	else
		snprintf(v->reason, sizeof(v->reason), "%s missing (row %"
		    PRId64 " is the first present)", what, last + 1);
	v->bad_seq = first;
}

/* Check one row against the chain so far; 0 good, 1 broken (v says why). */
static int
journal_verify_row(sqlite3_stmt *st, const uint8_t *key,
    const uint8_t prev[KEYS_MAC_LEN], int64_t want, struct journal_verify *v)
{
	struct journal_row r;
	uint8_t mac[KEYS_MAC_LEN];
	int i;

	r.seq = sqlite3_column_int64(st, 0);
	if (r.seq > want) {
		journal_gap(v, want, r.seq - 1);
		return 1;
	}
	v->bad_seq = r.seq;
	if (r.seq < want) {
		snprintf(v->reason, sizeof(v->reason), "row %" PRId64 ": seq "
		    "out of sequence (row inserted)", r.seq);
		return 1;
	}
	for (i = 0; i < JF_N; i++) {
		r.f[i] = (const char *)sqlite3_column_text(st, 1 + i);
		r.len[i] = (size_t)sqlite3_column_bytes(st, 1 + i);
		if (r.f[i] == NULL)
			r.f[i] = "";
	}
	if (sqlite3_column_bytes(st, 7) != KEYS_MAC_LEN ||
	    journal_row_mac(key, prev, &r, mac) == -1 ||
	    !keys_mac_equal(mac, sqlite3_column_blob(st, 7))) {
		snprintf(v->reason, sizeof(v->reason), "row %" PRId64 ": MAC "
		    "does not match (row edited)", r.seq);
		return 1;
	}
	v->bad_seq = 0;
	return 0;
}

/* Walk the rows in seq order; leaves the last seq and MAC in *last and
 * mac.  0 intact so far, 1 broken, -1 on a database error. */
static int
journal_verify_rows(sqlite3 *db, const uint8_t *key,
    struct journal_verify *v, int64_t *last, uint8_t mac[KEYS_MAC_LEN])
{
	sqlite3_stmt *st;
	int rc, broken = 0;

	if (db_prepare(db, "SELECT seq, time, type, point, actor, subject, "
	    "detail, mac FROM journal ORDER BY seq", &st) == -1)
		return -1;
	*last = 0;
	memset(mac, 0, KEYS_MAC_LEN);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((broken = journal_verify_row(st, key, mac, *last + 1, v)))
			break;
		*last = sqlite3_column_int64(st, 0);
		memcpy(mac, sqlite3_column_blob(st, 7), KEYS_MAC_LEN);
		v->rows++;
	}
	if (!broken && rc != SQLITE_DONE) {
		log_warnx("journal: verify: %s", sqlite3_errmsg(db));
		broken = -1;
	}
	sqlite3_finalize(st);
	return broken;
}

/* Judge a head (seq head, MAC hmac of hlen bytes) against the last row
 * and its MAC; 0 good, 1 broken with v filled. */
static int
journal_judge_head(struct journal_verify *v, int64_t head, const void *hmac,
    int hlen, int64_t last, const uint8_t mac[KEYS_MAC_LEN])
{
	char what[64];

	if (head > last) {
		journal_span(what, sizeof(what), last + 1, head);
		v->bad_seq = last + 1;
		snprintf(v->reason, sizeof(v->reason), "%s missing at the end "
		    "(head says %" PRId64 ", last row is %" PRId64 ")", what,
		    head, last);
		return 1;
	}
	if (head < last)
		snprintf(v->reason, sizeof(v->reason), "head says %" PRId64
		    " but rows run to %" PRId64 " (head edited)", head, last);
	else if (hlen != KEYS_MAC_LEN || !keys_mac_equal(mac, hmac))
		snprintf(v->reason, sizeof(v->reason), "head MAC does not "
		    "match row %" PRId64 " (head edited)", last);
	else
		return 0;
	v->bad_seq = last;
	return 1;
}

/* Check the head's seal over the last row; 0 good, 1 broken. */
static int
journal_judge_seal(struct journal_verify *v, const uint8_t key[KEYS_LEN],
    int64_t last, const uint8_t mac[KEYS_MAC_LEN], const void *seal,
    int slen)
{
	uint8_t want[KEYS_MAC_LEN];

	if (journal_head_seal(key, last, mac, want) == 0 &&
	    slen == KEYS_MAC_LEN && keys_mac_equal(want, seal))
		return 0;
	v->bad_seq = last;
	snprintf(v->reason, sizeof(v->reason), "head seal does not match "
	    "row %" PRId64 " (head rewritten: rows after it may have been "
	    "cut off)", last);
	return 1;
}

/* Compare the head with the last row; 0 good, 1 broken, -1 db error. */
static int
journal_verify_head(sqlite3 *db, const uint8_t key[KEYS_LEN],
    struct journal_verify *v, int64_t last, const uint8_t mac[KEYS_MAC_LEN])
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT seq, mac, seal FROM journal_head "
	    "WHERE id = 1", &st) == -1)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = journal_judge_head(v, sqlite3_column_int64(st, 0),
		    sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1),
		    last, mac);
		if (rc == 0)
			rc = journal_judge_seal(v, key, last, mac,
			    sqlite3_column_blob(st, 2),
			    sqlite3_column_bytes(st, 2));
	} else if (rc == SQLITE_DONE && last == 0)
		rc = 0;		/* nothing written yet */
	else if (rc == SQLITE_DONE) {
		v->bad_seq = last;
		snprintf(v->reason, sizeof(v->reason), "journal head missing "
		    "(last row is %" PRId64 ")", last);
		rc = 1;
	} else {
		log_warnx("journal: verify: %s", sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Walk the whole chain inside one read transaction, so that rows and head
 * come from the same snapshot while the daemon keeps appending.  The head
 * catches rows cut off the end unless the head was rewritten to match;
 * only a copy outside the building (the MQTT event stream, numbered by
 * seq) can prove what the last row was.
 */
int
journal_verify(sqlite3 *db, const uint8_t key[KEYS_LEN],
    struct journal_verify *v)
{
	uint8_t mac[KEYS_MAC_LEN];
	int64_t last;
	int rc;

	memset(v, 0, sizeof(*v));
	if (db_exec(db, "BEGIN") == -1)
		return -1;
	rc = journal_verify_rows(db, key, v, &last, mac);
	if (rc == 0)
		rc = journal_verify_head(db, key, v, last, mac);
	if (rc == 0)
		rc = journal_text_verify(db, key, v);
	db_exec(db, "COMMIT");
	if (rc == 0)
		snprintf(v->reason, sizeof(v->reason), "%" PRId64 " rows "
		    "intact", v->rows);
	return rc;
}

/*
 * The anchor is read before the chain: it is written after each commit,
 * so what it says was committed before verify's snapshot was taken, and
 * rows appended meanwhile cannot make a good journal look cut.
 */
int
journal_verify_anchored(sqlite3 *db, const uint8_t key[KEYS_LEN],
    const char *anchor, struct journal_verify *v)
{
	struct journal_anchor_rec a;
	char why[sizeof(v->reason)];
	int64_t bad;
	int have, rc;

	have = journal_anchor_read(anchor, key, &a, why, sizeof(why));
	if ((rc = journal_verify(db, key, v)) != 0)
		return rc;
	if (have == 0) {
		bad = v->rows;
		snprintf(why, sizeof(why), "journal anchor %s missing", anchor);
	} else if (have == -1)
		bad = v->rows;
	else if ((rc = journal_anchor_judge(db, &a, &bad, why,
	    sizeof(why))) == 0 && a.break_seq != 0) {
		bad = a.break_seq;
		snprintf(why, sizeof(why), "row %" PRId64 " records that the "
		    "journal before it was tampered with: %s", a.break_seq,
		    a.break_reason);
	} else if (rc != 1)
		return rc;
	v->bad_seq = bad > 0 ? bad : 1;
	snprintf(v->reason, sizeof(v->reason), "%s", why);
	return 1;
}
