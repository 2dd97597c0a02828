/*
 * The tamper-evident journal.  A row is numbered, stamped and queued by
 * the caller (the loop) and committed by the writer, a thread with its
 * own connection, with every other row queued since its last commit in
 * one transaction (group commit).  A row is committed when that
 * transaction's COMMIT returned: it is then on the disk (synchronous=FULL
 * in WAL mode) and survives a power cut.  The loop learns of commits
 * through journal_fd(); only committed rows are published, and a grant
 * waits for its own row (journal_on_commit).  Without journal_start_writer
 * every append commits at once, on the caller's connection (the tools and
 * the tests).  Each row's MAC is HMAC-SHA256(journal key,
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

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <sqlite3.h>

#include "keys.h"

struct journal;

/* Called after each committed row (the MQTT bridge's outbox hook). */
typedef void journal_hook(void *arg, int64_t seq);
/* Called once a row is committed (ok) or an attempt to commit it failed. */
typedef void journal_done(void *arg, bool ok);

/* Free with journal_close(), which stops the writer after one last
 * attempt to commit what is queued.  db and key must outlive it. */
struct journal *journal_open(sqlite3 *db, const uint8_t key[KEYS_LEN]);
void	journal_close(struct journal *);
void	journal_set_hook(struct journal *, journal_hook *, void *arg);
/* Keep the head in this anchor after each commit (journal_anchor.h). */
struct journal_anchor;
void	journal_set_anchor(struct journal *, struct journal_anchor *);
/* Keep a break found at start in the anchor (journal_anchor_break), in
 * step with the writer, which moves the anchor's head.  0 or -1. */
int	journal_anchor_note(struct journal *, int64_t seq, const char *reason);

/*
 * Append one row.  type and actor are required; point and subject may be
 * NULL (stored as "").  detail must be a JSON object or NULL (stored as
 * "{}") and is not stolen.  Returns the row's seq, or -1 (logged).
 * Without a writer the row is committed on return (or -1: the caller
 * must not act as if it had been).  With one, it is queued: -1 only when
 * the queue is full (JOURNAL_QUEUE_MAX rows wait for a failing disk; the
 * last 1024 places are kept for alarm, fire, exit, forced-door, mode and
 * evacuation rows), and a row then records how many were lost.
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
/* The last row appended (queued or committed). */
int64_t	journal_last_seq(const struct journal *);
/* The last row committed as the caller knows it (journal_dispatch). */
int64_t	journal_committed_seq(const struct journal *);
/*
 * Rows appended between these two go into one transaction.  With a
 * writer every commit takes all that is queued anyway; the pair only
 * keeps the writer from starting before the last row of the batch.
 * Without one the rows are committed by journal_batch_end(), which then
 * returns -1 (logged) when they could not be.
 */
int	journal_batch_begin(struct journal *);
int	journal_batch_end(struct journal *);

/*
 * Hand the writing to a thread with its own connection to the database
 * file; the caller's connection then neither syncs nor checkpoints.  0 or
 * -1 (logged; the journal then keeps committing inline).
 */
int	journal_start_writer(struct journal *);
/* The descriptor that becomes readable when the writer committed, failed
 * or recovered (-1 without a writer); then call journal_dispatch(). */
int	journal_fd(const struct journal *);
/* Run the hooks of committed rows and the waiters; after an outage
 * append the journal.outage row.  true when the storage fault was raised
 * or cleared. */
bool	journal_dispatch(struct journal *);
/* Call cb once row seq is committed (ok) or an attempt to commit it
 * failed; at once when it is committed already.  -1 when too many wait. */
int	journal_on_commit(struct journal *, int64_t seq, journal_done *cb,
	    void *arg);

/* The storage fault: rows cannot be written. */
struct journal_health {
	bool	 failing;
	int	 queued;	/* rows waiting for their commit */
	int64_t	 lost;		/* rows refused since the last record */
	char	 since[32];	/* when the writes began to fail (ISO) */
	char	 error[128];	/* SQLite's reason */
};
void	journal_health(struct journal *, struct journal_health *);
/* Wait (blocking: at a stop) until the queue is committed, the disk
 * fails, or timeout_ms passed; then journal_dispatch(). */
void	journal_sync(struct journal *, int timeout_ms);
/* Was the storage fault raised at the last journal_dispatch?  (Always
 * false without a writer: there each append tries the disk itself.) */
bool	journal_failing(const struct journal *);

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

/* Rows with after < seq <= upto, at most limit, oldest first, as a JSON
 * array of objects {seq, time, type, point, actor, subject, detail}.
 * upto is the last committed seq (journal_committed_seq) for anything
 * shown or published: a row the writer has written but not yet flushed
 * is in the database, and is no event yet.  New ref. */
json_t	*journal_rows(sqlite3 *, int64_t after, int64_t upto, int limit);
/* The last n rows with seq <= upto, oldest first.  New ref. */
json_t	*journal_tail(sqlite3 *, int64_t upto, int n);
/* Write rows with from <= time < to (ISO strings, NULL: open) as "csv" or
 * "json" to out.  Returns rows written or -1. */
int64_t	journal_export(sqlite3 *, const char *format, const char *from,
	    const char *to, FILE *out);
/* The same with only the rows up to seq upto (0: all): an export made
 * later, off the loop, holds the journal as it was when asked. */
int64_t	journal_export_upto(sqlite3 *, const char *format, const char *from,
	    const char *to, int64_t upto, FILE *out);

#endif
