/*
 * Staff's free text about people, kept beside the journal rather than in
 * it (journal.h, struct journal_text).  The chained row holds only an HMAC
 * of the text under a key derived from the journal key, so a text can be
 * erased without breaking the chain, and a text changed while it exists
 * is still found by verify.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "journal.h"
#include "journal_int.h"
#include "log.h"

/* The text key: its own subkey, so a text's MAC never serves the chain. */
static int
journal_text_key(const uint8_t key[KEYS_LEN], uint8_t out[KEYS_MAC_LEN])
{
	static const char tag[] = "husvagt journal text v1";

	return keys_hmac(key, tag, sizeof(tag) - 1, out);
}

int
journal_text_mac(const uint8_t key[KEYS_LEN], int64_t seq, const char *field,
    const char *text, char hex[JOURNAL_TEXT_HEX])
{
	uint8_t tk[KEYS_MAC_LEN], mac[KEYS_MAC_LEN], *buf;
	size_t flen = strlen(field), tlen = strlen(text), i;
	int rc = -1;

	if ((buf = malloc(8 + flen + 1 + tlen)) == NULL) {
		log_warn("journal: text mac");
		return -1;
	}
	for (i = 0; i < 8; i++)
		buf[i] = (uint8_t)((uint64_t)seq >> (56 - 8 * i));
	memcpy(buf + 8, field, flen + 1);
	memcpy(buf + 8 + flen + 1, text, tlen);
	if (journal_text_key(key, tk) == 0 &&
	    keys_hmac(tk, buf, 8 + flen + 1 + tlen, mac) == 0) {
		for (i = 0; i < KEYS_MAC_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02x", mac[i]);
		rc = 0;
	}
	memset(tk, 0, sizeof(tk));
	free(buf);
	return rc;
}

int
journal_text_insert(sqlite3 *db, int64_t seq, const char *time,
    const struct journal_text *t)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "INSERT INTO journal_text (seq, time, field, "
	    "stay_id, text) VALUES (?1, ?5, ?2, ?3, ?4)", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 5, time, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, t->field, -1, SQLITE_STATIC);
	if (t->stay != 0)
		sqlite3_bind_int64(st, 3, t->stay);
	sqlite3_bind_text(st, 4, t->text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		log_warnx("journal: text: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Check one kept text against the HMAC in its row; 0 good, 1 broken. */
static int
journal_text_check(sqlite3_stmt *st, const uint8_t key[KEYS_LEN],
    struct journal_verify *v)
{
	int64_t seq = sqlite3_column_int64(st, 0);
	const char *field = (const char *)sqlite3_column_text(st, 1);
	const char *text = (const char *)sqlite3_column_text(st, 2);
	const char *want = (const char *)sqlite3_column_text(st, 3);
	char hex[JOURNAL_TEXT_HEX];

	if (field != NULL && text != NULL && want != NULL &&
	    journal_text_mac(key, seq, field, text, hex) == 0 &&
	    strcmp(hex, want) == 0)
		return 0;
	v->bad_seq = seq;
	snprintf(v->reason, sizeof(v->reason), "row %" PRId64 ": its %s "
	    "does not match the row's HMAC (text edited)",
	    seq, field != NULL ? field : "text");
	return 1;
}

int
journal_text_verify(sqlite3 *db, const uint8_t key[KEYS_LEN],
    struct journal_verify *v)
{
	sqlite3_stmt *st;
	int rc, broken = 0;

	if (db_prepare(db, "SELECT t.seq, t.field, t.text, json_extract("
	    "j.detail, '$.' || t.field || '_hmac') FROM journal_text t LEFT "
	    "JOIN journal j ON j.seq = t.seq ORDER BY t.seq", &st) == -1)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((broken = journal_text_check(st, key, v)))
			break;
	if (!broken && rc != SQLITE_DONE) {
		log_warnx("journal: verify: %s", sqlite3_errmsg(db));
		broken = -1;
	}
	sqlite3_finalize(st);
	return broken;
}

json_t *
journal_texts(sqlite3 *db, const char *field, const char *from,
    const char *to)
{
	sqlite3_stmt *st;
	json_t *o = json_object();
	char key[24];

	if (o == NULL || db_prepare(db, "SELECT t.seq, t.text FROM "
	    "journal_text t JOIN journal j ON j.seq = t.seq WHERE t.field = ?1 "
	    "AND (?2 IS NULL OR j.time >= ?2) AND (?3 IS NULL OR j.time < ?3)",
	    &st) == -1) {
		json_decref(o);
		return NULL;
	}
	sqlite3_bind_text(st, 1, field, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(key, sizeof(key), "%lld",
		    (long long)sqlite3_column_int64(st, 0));
		json_object_set_new(o, key, json_string(
		    (const char *)sqlite3_column_text(st, 1)));
	}
	sqlite3_finalize(st);
	return o;
}

int
journal_text_erase(sqlite3 *db, const char *cutoff)
{
	sqlite3_stmt *st;
	int n = -1;

	if (db_prepare(db, "DELETE FROM journal_text WHERE stay_id IN "
	    "(SELECT id FROM stay WHERE departure IS NOT NULL AND departure "
	    "< ?1) OR (stay_id IS NULL AND time < ?1)", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		n = sqlite3_changes(db);
	else
		log_warnx("journal: text erase: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return n;
}
