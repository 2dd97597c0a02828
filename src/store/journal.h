/*
 * The tamper-evident journal.  Every row is committed before anything is
 * acted on or published.  Each row's MAC is HMAC-SHA256(journal key,
 * previous row's MAC || the row's fields), so an edited or deleted row
 * breaks the chain at a place verify can name.  A head row (seq, MAC of
 * the last row) is kept in the same transaction so that cutting rows off
 * the end is found too.
 *
 * Rows: seq, time (UTC ISO 8601 ms), type ("access.granted"), point (door
 * or point name or ""), actor ("system" or a staff login), subject
 * ("stay:ID", "staff:LOGIN", "visit:ID" or ""), detail (JSON object text).
 */
#ifndef HUSVAGT_JOURNAL_H
#define HUSVAGT_JOURNAL_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <sqlite3.h>

#include "keys.h"

struct journal;

/* Called after each committed row (the MQTT bridge's outbox hook). */
typedef void journal_hook(void *arg, int64_t seq);

/* Free with journal_close().  db and key must outlive it. */
struct journal *journal_open(sqlite3 *db, const uint8_t key[KEYS_LEN]);
void	journal_close(struct journal *);
void	journal_set_hook(struct journal *, journal_hook *, void *arg);
/* Keep the head in this anchor after each commit (journal_anchor.h). */
struct journal_anchor;
void	journal_set_anchor(struct journal *, struct journal_anchor *);

/*
 * Append and commit one row.  type and actor are required; point and
 * subject may be NULL (stored as "").  detail must be a JSON object or
 * NULL (stored as "{}") and is not stolen.  Returns the seq, or -1
 * (logged) when the row could not be committed: the caller must then not
 * act as if it had been.
 */
int64_t	journal_append(struct journal *, const char *type, const char *point,
	    const char *actor, const char *subject, const json_t *detail);
/*
 * Staff's free text about people (an override's reason, an enquiry's
 * description) never enters a chained row: it is kept beside the journal
 * in journal_text, which retention erases, and the row's detail gets
 * "<field>_hmac", HMAC-SHA256(text key, seq || field || NUL || text) in
 * hex, with the text key derived from the journal key.  The chain so
 * proves the text was not changed while it existed, and still verifies
 * once it is erased.  stay is the stay the text is about (0: none); a
 * text goes with its stay, or retention_days after its row when it has
 * none.
 */
struct journal_text {
	const char	*field;		/* "override_reason", "description" */
	const char	*text;
	int64_t		 stay;
};
/* journal_append with t (may be NULL: no text) kept beside the row. */
int64_t	journal_append_text(struct journal *, const char *type,
	    const char *point, const char *actor, const char *subject,
	    const json_t *detail, const struct journal_text *t);
int64_t	journal_last_seq(const struct journal *);
/*
 * Rows appended between these two go into one transaction: one fsync for
 * a fire's dozens of rows rather than one each, so the egress locks move
 * milliseconds after the panel trips.  Nothing may be acted on externally
 * before journal_batch_end() returned: the rows are committed only then.
 * Other statements on the same database between the two join the
 * transaction; none may BEGIN its own.  journal_batch_end() returns -1
 * (logged) when the batch, or a row of it, could not be committed.
 */
int	journal_batch_begin(struct journal *);
int	journal_batch_end(struct journal *);

struct journal_verify {
	int64_t	 rows;		/* rows checked */
	int64_t	 bad_seq;	/* first row found wrong; 0 when all good */
	char	 reason[320];	/* what is wrong with it */
};
/* Walk the whole chain.  Returns 0 when intact, 1 when broken (see v),
 * -1 on a database error. */
int	journal_verify(sqlite3 *, const uint8_t key[KEYS_LEN],
	    struct journal_verify *v);
/* journal_verify, and then the database against the anchor file at
 * anchor (journal_anchor.h): a wiped, cut or older database, or a break
 * found at an earlier start, is broken too.  Same returns. */
int	journal_verify_anchored(sqlite3 *, const uint8_t key[KEYS_LEN],
	    const char *anchor, struct journal_verify *v);

/* The texts kept beside rows (see journal_text), as an object
 * {"<seq>": text} for the rows between from and to (ISO, NULL: open) that
 * have field; an erased text is absent.  New ref, or NULL. */
json_t	*journal_texts(sqlite3 *, const char *field, const char *from,
	    const char *to);
/* Erase the texts of stays that departed before cutoff (YYYY-MM-DD) and
 * of rows of no stay written before it; the number erased or -1. */
int	journal_text_erase(sqlite3 *, const char *cutoff);

/* Rows with seq > after, at most limit, oldest first, as a JSON array of
 * objects {seq, time, type, point, actor, subject, detail}.  New ref. */
json_t	*journal_rows(sqlite3 *, int64_t after, int limit);
/* The last n rows, oldest first.  New ref. */
json_t	*journal_tail(sqlite3 *, int n);
/* Write rows with from <= time < to (ISO strings, NULL: open) as "csv" or
 * "json" to out.  Returns rows written or -1. */
int64_t	journal_export(sqlite3 *, const char *format, const char *from,
	    const char *to, FILE *out);
/* The same with only the rows up to seq upto (0: all): an export made
 * later, off the loop, holds the journal as it was when asked. */
int64_t	journal_export_upto(sqlite3 *, const char *format, const char *from,
	    const char *to, int64_t upto, FILE *out);

#endif
