/*
 * Shared by the journal's writer (journal.c) and its verifier
 * (journal_verify.c), so that both encode a row the same way.
 */
#ifndef HUSVAGT_JOURNAL_INT_H
#define HUSVAGT_JOURNAL_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "journal.h"
#include "keys.h"

/*
 * The fields a row's MAC covers, in the order they are encoded.  Each is
 * length-prefixed, so that moving bytes from one field to the next (type
 * "a.b" + point "c" against type "a." + point "bc") changes the MAC.
 */
enum { JF_TIME, JF_TYPE, JF_POINT, JF_ACTOR, JF_SUBJECT, JF_DETAIL, JF_N };

struct journal_row {
	int64_t		 seq;
	const char	*f[JF_N];
	size_t		 len[JF_N];
};

/*
 * MAC of a row: HMAC(key, prev || seq (8 bytes) || for each field its
 * length (4 bytes) and bytes).  0 or -1.
 */
int	 journal_row_mac(const uint8_t *key, const uint8_t prev[KEYS_MAC_LEN],
	     const struct journal_row *, uint8_t out[KEYS_MAC_LEN]);
/* The head's seal: HMAC(journal key, "husvagt head v1" || seq || MAC of
 * row seq).  0 or -1. */
int	 journal_head_seal(const uint8_t key[KEYS_LEN], int64_t seq,
	     const uint8_t mac[KEYS_MAC_LEN], uint8_t out[KEYS_MAC_LEN]);

/* journal_text.c */
#define JOURNAL_TEXT_HEX	(2 * KEYS_MAC_LEN + 1)
/* The hex HMAC a row's detail holds for its private text; 0 or -1. */
int	 journal_text_mac(const uint8_t key[KEYS_LEN], int64_t seq,
	     const char *field, const char *text, char hex[JOURNAL_TEXT_HEX]);
/* Keep t beside row seq of time, inside the row's transaction; 0 or
 * -1. */
int	 journal_text_insert(sqlite3 *, int64_t seq, const char *time,
	     const struct journal_text *);
/* Check every text still kept against its row's HMAC; 0 good, 1 broken
 * (v says which), -1 on a database error. */
int	 journal_text_verify(sqlite3 *, const uint8_t key[KEYS_LEN],
	     struct journal_verify *);

#endif
