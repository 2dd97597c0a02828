/*
 * The credential store: chips bound to a holder, kept as keyed MACs of the
 * card number (never the number), with zones, windows, validity and an
 * optional PIN (also a MAC).
 */
#ifndef HUSVAGT_CRED_H
#define HUSVAGT_CRED_H

#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "access.h"
#include "keys.h"

#define CRED_PIN_MIN	4	/* digits */
#define CRED_PIN_MAX	8

struct cred_new {
	const char	*holder;	/* "stay:ID" or "staff:LOGIN" */
	int		 format;	/* 26, 34, 37 */
	uint64_t	 number;	/* raw card payload: hashed at once */
	const char	*zones;		/* comma-separated zone names */
	int64_t		 valid_from;	/* UTC seconds, 0: none */
	int64_t		 valid_to;	/* UTC seconds, 0: none */
	const char	*windows;	/* access_windows_parse() text or NULL */
	const char	*pin;		/* 4-8 digits or NULL */
	const char	*label;		/* free label without personal data */
};

/*
 * Enrol.  Returns the new credential id, or -1 with a short reason in err
 * ("duplicate": the chip is already enrolled and not revoked;
 * "bad_windows", "bad_pin", "bad_holder", "bad_zones", "bad_dates",
 * "bad_format": not 26/34/37, "bad_number": too wide for the format,
 * "bad_label": over 64 bytes or control characters, "db_error").
 */
int64_t	cred_enrol(sqlite3 *, const struct keys *, const struct cred_new *,
	    int64_t now, const char **err);
/* The checks cred_enrol() makes before writing: NULL when n is good,
 * else the same reason.  Static string. */
const char *cred_check(const struct cred_new *n);
/* Is pin 4 to 8 digits? */
int	cred_pin_valid(const char *pin);
/* Is h a holder: stay:ID or staff:LOGIN?  (Never a name.) */
int	cred_holder_ok(const char *h);
/* Revoke one credential; 0, or -1 with err "not_found"/"already_revoked"
 * ("db_error" when the database failed). */
int	cred_revoke(sqlite3 *, int64_t id, int64_t now, const char **err);
/* Revoke every live credential of holder; returns how many, or -1 on a
 * database error. */
int	cred_revoke_holder(sqlite3 *, const char *holder, int64_t now);
/* Give each live credential of holder the zones rezone(zones, arg)
 * returns (a string to free; NULL: unchanged).  How many changed, or -1
 * on a database error. */
int	cred_rezone(sqlite3 *, const char *holder,
	    char *(*rezone)(const char *zones, void *arg), void *arg);
/*
 * Find the live or revoked credential of a card MAC.  Returns 1 found,
 * 0 not found, -1 on a database error.
 */
int	cred_lookup(sqlite3 *, const uint8_t mac[KEYS_MAC_LEN],
	    struct access_cred *);
/* The same by credential id (a card waiting for its PIN). */
int	cred_lookup_id(sqlite3 *, int64_t id, struct access_cred *);
/* Check a PIN against credential id: MATCH, DURESS (last digit + 1,
 * when duress is enabled) or WRONG. */
enum access_pin cred_pin_check(sqlite3 *, const struct keys *, int64_t id,
	    const char *pin, int duress_enabled);
/* JSON array of credentials (id, holder, zones, validity, windows,
 * revoked, has_pin, label); never the MAC.  holder NULL: all.  New ref. */
json_t	*cred_list(sqlite3 *, const char *holder);
/* Live (not revoked) credentials; -1 on a database error. */
int64_t	cred_count(sqlite3 *);
/* Erase the labels staff gave the chips of stays that departed before
 * cutoff (YYYY-MM-DD): retention.  The number erased or -1. */
int	cred_erase_labels(sqlite3 *, const char *cutoff);

#endif
