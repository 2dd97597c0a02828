/*
 * The journal's anchor: the head (seq and MAC of the last committed row)
 * kept in a small keyed file beside the device key, outside the
 * database.  A database wiped, truncated or put back from an older copy
 * no longer reaches the anchored row, and that is found at start and by
 * journal verify.  A break found at start is written into the anchor
 * too, so that verify goes on naming it after new rows were appended.
 *
 * The file holds two slots, written in turn, each sealed with the
 * journal key: a write torn by a power cut leaves the other slot good.
 * The anchor is written after each commit, never before, so it is never
 * ahead of the database; it may be one commit behind after a power cut,
 * which the check allows.
 */
#ifndef HUSVAGT_JOURNAL_ANCHOR_H
#define HUSVAGT_JOURNAL_ANCHOR_H

#include <stdint.h>

#include <sqlite3.h>

#include "keys.h"

#define ANCHOR_REASON_MAX	160

struct journal_anchor_rec {
	uint64_t gen;		/* slot generation: the newer slot wins */
	int64_t	 seq;		/* the head when written (0: no rows yet) */
	uint8_t	 mac[KEYS_MAC_LEN];
	int64_t	 break_seq;	/* the row that recorded a break; 0: none */
	char	 break_reason[ANCHOR_REASON_MAX];
};

struct journal_anchor {
	int		 fd;
	const uint8_t	*key;		/* the journal key */
	struct journal_anchor_rec rec;	/* what the file holds */
};

/*
 * Read the anchor at path.  1 read (into *rec), 0 no anchor file, -1 the
 * file is there but neither slot is readable with its seal (reason
 * written to why).
 */
int	 journal_anchor_read(const char *path, const uint8_t key[KEYS_LEN],
	     struct journal_anchor_rec *rec, char *why, size_t len);
/*
 * Judge an anchor against the database: 0 the database reaches it, 1 it
 * does not (why says how, bad_seq where), -1 on a database error.  A
 * break recorded in the anchor is the caller's to report.
 */
int	 journal_anchor_judge(sqlite3 *, const struct journal_anchor_rec *,
	     int64_t *bad_seq, char *why, size_t len);
/* Open (creating, mode 0600) the anchor file at path for writing, taking
 * over rec (the file's content, or zeroes for a new file).  0 or -1. */
int	 journal_anchor_open(struct journal_anchor *, const char *path,
	     const uint8_t key[KEYS_LEN], const struct journal_anchor_rec *);
/* Write the head (seq, mac) into the older slot; 0 or -1 (logged). */
int	 journal_anchor_set(struct journal_anchor *, int64_t seq,
	     const uint8_t mac[KEYS_MAC_LEN]);
/* Record a break found at start by row seq (kept if one is recorded
 * already: the first break is the one to name).  0 or -1. */
int	 journal_anchor_break(struct journal_anchor *, int64_t seq,
	     const char *reason);
void	 journal_anchor_close(struct journal_anchor *);

#endif
