#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cred.h"
#include "db.h"
#include "log.h"

#define CRED_COLUMNS	"id, holder, zones, valid_from, valid_to, windows, " \
			"pin_mac IS NOT NULL, revoked_at IS NOT NULL"

/* An all-zero MAC is what keys_*_mac leave when OpenSSL failed. */
static int
cred_mac_ok(const uint8_t mac[KEYS_MAC_LEN])
{
	static const uint8_t zero[KEYS_MAC_LEN];

	return CRYPTO_memcmp(mac, zero, KEYS_MAC_LEN) != 0;
}

/* Insert the row without its PIN MAC; the id is needed to make that. */
static int64_t
cred_insert(sqlite3 *db, const struct cred_new *n, const uint8_t *mac,
    int64_t now, const char **err)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "INSERT INTO credential (mac, holder, format, "
	    "zones, valid_from, valid_to, windows, label, enrolled_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st) == -1)
		return -1;
	sqlite3_bind_blob(st, 1, mac, KEYS_MAC_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->holder, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, n->format);
	sqlite3_bind_text(st, 4, n->zones, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, n->valid_from);
	sqlite3_bind_int64(st, 6, n->valid_to);
	if (n->windows != NULL)
		sqlite3_bind_text(st, 7, n->windows, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, n->label != NULL ? n->label : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, now);
	rc = sqlite3_step(st);
	if (sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE)
		*err = "duplicate";
	else if (rc != SQLITE_DONE)
		log_warnx("cred: enrol: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_last_insert_rowid(db) : -1;
}

/* Store the PIN MAC of credential id. */
static int
cred_set_pin(sqlite3 *db, const struct keys *k, int64_t id, const char *pin)
{
	sqlite3_stmt *st;
	uint8_t mac[KEYS_MAC_LEN];
	int rc;

	keys_pin_mac(k, id, pin, mac);
	if (!cred_mac_ok(mac) || db_prepare(db, "UPDATE credential SET "
	    "pin_mac = ?1 WHERE id = ?2", &st) == -1)
		return -1;
	sqlite3_bind_blob(st, 1, mac, KEYS_MAC_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		log_warnx("cred: enrol: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Enrol.  The card number is turned into its MAC first and goes no
 * further.  Row and PIN MAC are written in one transaction, so a chip
 * never exists without the PIN it was enrolled with.
 */
int64_t
cred_enrol(sqlite3 *db, const struct keys *k, const struct cred_new *n,
    int64_t now, const char **err)
{
	uint8_t mac[KEYS_MAC_LEN];
	int64_t id;

	if ((*err = cred_check(n)) != NULL)
		return -1;
	*err = "db_error";
	keys_card_mac(k, n->format, n->number, mac);
	if (!cred_mac_ok(mac) || db_exec(db, "BEGIN IMMEDIATE") == -1)
		return -1;
	if ((id = cred_insert(db, n, mac, now, err)) == -1)
		goto err_tx;
	if (n->pin != NULL && cred_set_pin(db, k, id, n->pin) == -1)
		goto err_tx;
	if (db_exec(db, "COMMIT") == -1)
		goto err_tx;
	*err = NULL;
	return id;

err_tx:
	if (!sqlite3_get_autocommit(db))
		db_exec(db, "ROLLBACK");
	return -1;
}

/* Run an UPDATE with (now, arg) bound; returns rows changed or -1. */
static int
cred_update(sqlite3 *db, const char *sql, int64_t now, int64_t id,
    const char *holder)
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, sql, &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	if (holder != NULL)
		sqlite3_bind_text(st, 2, holder, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 2, id);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		log_warnx("cred: revoke: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(db) : -1;
}

/* Does credential id exist at all?  1 yes, 0 no, -1 error. */
static int
cred_exists(sqlite3 *db, int64_t id)
{
	return db_exists(db, "SELECT 1 FROM credential WHERE id = ?1", id);
}

/* Revoke one credential. */
int
cred_revoke(sqlite3 *db, int64_t id, int64_t now, const char **err)
{
	int n;

	n = cred_update(db, "UPDATE credential SET revoked_at = ?1 "
	    "WHERE id = ?2 AND revoked_at IS NULL", now, id, NULL);
	if (n == 1)
		return 0;
	if (n == 0 && (n = cred_exists(db, id)) != -1)
		*err = n ? "already_revoked" : "not_found";
	else
		*err = "db_error";
	return -1;
}

/* Revoke every live credential of holder at once (a discharge). */
int
cred_revoke_holder(sqlite3 *db, const char *holder, int64_t now)
{
	if (holder == NULL)
		return -1;
	return cred_update(db, "UPDATE credential SET revoked_at = ?1 "
	    "WHERE holder = ?2 AND revoked_at IS NULL", now, 0, holder);
}

int
cred_rezone(sqlite3 *db, const char *holder,
    char *(*rezone)(const char *zones, void *arg), void *arg)
{
	sqlite3_stmt *st, *up;
	char *zones;
	int n = 0, rc;

	if (db_prepare(db, "SELECT id, zones FROM credential WHERE holder "
	    "= ?1 AND revoked_at IS NULL", &st) == -1)
		return -1;
	if (db_prepare(db, "UPDATE credential SET zones = ?1 WHERE id = "
	    "?2", &up) == -1) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_bind_text(st, 1, holder, -1, SQLITE_STATIC);
	while (n >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		zones = rezone((const char *)sqlite3_column_text(st, 1), arg);
		if (zones == NULL)
			continue;
		sqlite3_bind_text(up, 1, zones, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 2, sqlite3_column_int64(st, 0));
		n = sqlite3_step(up) == SQLITE_DONE ? n + 1 : -1;
		sqlite3_reset(up);
		free(zones);
	}
	if (n >= 0 && rc != SQLITE_DONE)
		n = -1;
	sqlite3_finalize(up);
	sqlite3_finalize(st);
	return n;
}

/* Copy text into a fixed field; -1 when it does not fit. */
static int
cred_copy(char *dst, size_t size, const unsigned char *src)
{
	const char *s = src != NULL ? (const char *)src : "";

	if (strlen(s) >= size)
		return -1;
	strcpy(dst, s);
	return 0;
}

/*
 * Fill c from a row of CRED_COLUMNS.  Windows that no longer parse (the
 * row edited by hand) make the lookup fail, so that the caller denies
 * rather than granting at any time.
 */
static int
cred_fill(sqlite3_stmt *st, struct access_cred *c)
{
	const char *why = NULL, *win;

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	if (cred_copy(c->holder, sizeof(c->holder),
	    sqlite3_column_text(st, 1)) == -1 ||
	    cred_copy(c->zones, sizeof(c->zones),
	    sqlite3_column_text(st, 2)) == -1) {
		log_warnx("cred: credential %lld: field too long",
		    (long long)c->id);
		return -1;
	}
	c->staff = strncmp(c->holder, "staff:", 6) == 0;
	c->valid_from = sqlite3_column_int64(st, 3);
	c->valid_to = sqlite3_column_int64(st, 4);
	c->has_pin = sqlite3_column_int(st, 6) != 0;
	c->revoked = sqlite3_column_int(st, 7) != 0;
	win = (const char *)sqlite3_column_text(st, 5);
	if (win != NULL && (c->nwindows = access_windows_parse(win, c->windows,
	    ACCESS_WINDOWS_MAX, &why)) < 0) {
		log_warnx("cred: credential %lld: windows: %s",
		    (long long)c->id, why != NULL ? why : "bad");
		return -1;
	}
	return 0;
}

/* Step a lookup statement and fill c: 1 found, 0 not, -1 error. */
static int
cred_lookup_step(sqlite3 *db, sqlite3_stmt *st, struct access_cred *c)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc == SQLITE_ROW)
		rc = cred_fill(st, c) == 0 ? 1 : -1;
	else {
		log_warnx("cred: lookup: %s", sqlite3_errmsg(db));
		rc = -1;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Find a card.  A chip re-enrolled after revocation has a live row and
 * older revoked ones: the live row wins, else the newest revoked one, so
 * that a revoked chip is denied as "revoked" rather than "unknown".
 */
int
cred_lookup(sqlite3 *db, const uint8_t mac[KEYS_MAC_LEN],
    struct access_cred *c)
{
	sqlite3_stmt *st;

	if (db_prepare(db, "SELECT " CRED_COLUMNS " FROM credential "
	    "WHERE mac = ?1 ORDER BY revoked_at IS NOT NULL, id DESC LIMIT 1",
	    &st) == -1)
		return -1;
	sqlite3_bind_blob(st, 1, mac, KEYS_MAC_LEN, SQLITE_STATIC);
	return cred_lookup_step(db, st, c);
}

/* Find a credential by id: 1 found, 0 not found, -1 on error. */
int
cred_lookup_id(sqlite3 *db, int64_t id, struct access_cred *c)
{
	sqlite3_stmt *st;

	if (db_prepare(db, "SELECT " CRED_COLUMNS " FROM credential "
	    "WHERE id = ?1", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return cred_lookup_step(db, st, c);
}

/* Read credential id's PIN MAC; 0, or -1 when there is none. */
static int
cred_pin_mac(sqlite3 *db, int64_t id, uint8_t mac[KEYS_MAC_LEN])
{
	sqlite3_stmt *st;
	int rc = -1;

	if (db_prepare(db, "SELECT pin_mac FROM credential WHERE id = ?1",
	    &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == KEYS_MAC_LEN) {
		memcpy(mac, sqlite3_column_blob(st, 0), KEYS_MAC_LEN);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * Check a PIN.  The duress PIN is the PIN with its last digit plus one
 * (9 becomes 0), so the entered PIN is turned back by taking one off its
 * last digit.  Both MACs are always made, so that the time taken does not
 * tell a duress attempt from a wrong one.
 */
enum access_pin
cred_pin_check(sqlite3 *db, const struct keys *k, int64_t id,
    const char *pin, int duress_enabled)
{
	uint8_t want[KEYS_MAC_LEN], mac[KEYS_MAC_LEN], dmac[KEYS_MAC_LEN];
	char back[CRED_PIN_MAX + 1];
	enum access_pin r = ACCESS_PIN_WRONG;
	size_t n;

	if (pin == NULL || *pin == '\0')
		return ACCESS_PIN_NONE;
	if (!cred_pin_valid(pin) || cred_pin_mac(db, id, want) == -1)
		return ACCESS_PIN_WRONG;
	n = strlen(pin);
	memcpy(back, pin, n + 1);
	back[n - 1] = back[n - 1] == '0' ? '9' : (char)(back[n - 1] - 1);
	keys_pin_mac(k, id, pin, mac);
	keys_pin_mac(k, id, back, dmac);
	if (!cred_mac_ok(mac))
		r = ACCESS_PIN_WRONG;
	else if (keys_mac_equal(mac, want))
		r = ACCESS_PIN_MATCH;
	else if (keys_mac_equal(dmac, want) && duress_enabled)
		r = ACCESS_PIN_DURESS;
	OPENSSL_cleanse(back, sizeof(back));
	return r;
}

/* A stored UTC time as ISO 8601, or null when it is not set (0/NULL). */
static json_t *
cred_time_json(sqlite3_stmt *st, int col)
{
	time_t t = (time_t)sqlite3_column_int64(st, col);
	char buf[32];
	struct tm tm;

	if (sqlite3_column_type(st, col) == SQLITE_NULL || t == 0 ||
	    gmtime_r(&t, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* The current row of the list query as JSON, without any MAC. */
static json_t *
cred_list_row(sqlite3_stmt *st)
{
	const char *win = (const char *)sqlite3_column_text(st, 6);

	return json_pack("{s:I, s:s, s:i, s:s, s:o, s:o, s:s?, s:b, s:o, "
	    "s:b, s:s, s:o}",
	    "id", (json_int_t)sqlite3_column_int64(st, 0),
	    "holder", (const char *)sqlite3_column_text(st, 1),
	    "format", sqlite3_column_int(st, 2),
	    "zones", (const char *)sqlite3_column_text(st, 3),
	    "valid_from", cred_time_json(st, 4),
	    "valid_to", cred_time_json(st, 5),
	    "windows", win,
	    "revoked", sqlite3_column_type(st, 7) != SQLITE_NULL,
	    "revoked_at", cred_time_json(st, 7),
	    "has_pin", sqlite3_column_int(st, 8),
	    "label", (const char *)sqlite3_column_text(st, 9),
	    "enrolled_at", cred_time_json(st, 10));
}

/* JSON array of credentials, never a MAC; holder NULL lists all. */
json_t *
cred_list(sqlite3 *db, const char *holder)
{
	sqlite3_stmt *st;
	json_t *list, *row;
	int rc;

	if (db_prepare(db, "SELECT id, holder, format, zones, valid_from, "
	    "valid_to, windows, revoked_at, pin_mac IS NOT NULL, label, "
	    "enrolled_at FROM credential WHERE ?1 IS NULL OR holder = ?1 "
	    "ORDER BY id", &st) == -1)
		return NULL;
	sqlite3_bind_text(st, 1, holder, -1, SQLITE_STATIC);
	if ((list = json_array()) == NULL)
		goto err_st;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((row = cred_list_row(st)) == NULL ||
		    json_array_append_new(list, row) == -1)
			goto err_list;
	}
	if (rc != SQLITE_DONE) {
		log_warnx("cred: list: %s", sqlite3_errmsg(db));
		goto err_list;
	}
	sqlite3_finalize(st);
	return list;

err_list:
	json_decref(list);
err_st:
	sqlite3_finalize(st);
	return NULL;
}

/* How many credentials are live (not revoked); -1 on error. */
int64_t
cred_count(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (db_prepare(db, "SELECT count(*) FROM credential "
	    "WHERE revoked_at IS NULL", &st) == -1)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int
cred_erase_labels(sqlite3 *db, const char *cutoff)
{
	return db_run(db, "UPDATE credential SET label = '' WHERE label != '' "
	    "AND holder IN (SELECT 'stay:' || id FROM stay WHERE departure IS "
	    "NOT NULL AND departure < ?2)", 0, cutoff, NULL);
}
