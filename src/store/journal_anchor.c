/*
 * The journal's anchor file (journal_anchor.h): two sealed slots of 256
 * bytes, at offsets 0 and 4096 so that they never share a page of the
 * card.  A slot is
 *
 *   "HVANCHR1" | gen | seq | MAC (32) | break seq | reason (160) | seal (32)
 *
 * with the integers as 8 bytes big-endian and the seal HMAC(journal key,
 * everything before it).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "journal_anchor.h"
#include "keys.h"
#include "log.h"

#define ANCHOR_MAGIC	"HVANCHR1"
#define ANCHOR_SLOT	256
#define ANCHOR_BODY	(ANCHOR_SLOT - KEYS_MAC_LEN)
#define ANCHOR_STRIDE	4096

static void
anchor_put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
anchor_get64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Encode rec into a sealed slot; 0 or -1. */
static int
anchor_encode(const uint8_t key[KEYS_LEN], const struct journal_anchor_rec *rec,
    uint8_t slot[ANCHOR_SLOT])
{
	memset(slot, 0, ANCHOR_SLOT);
	memcpy(slot, ANCHOR_MAGIC, 8);
	anchor_put64(slot + 8, rec->gen);
	anchor_put64(slot + 16, (uint64_t)rec->seq);
	memcpy(slot + 24, rec->mac, KEYS_MAC_LEN);
	anchor_put64(slot + 56, (uint64_t)rec->break_seq);
	memcpy(slot + 64, rec->break_reason, strnlen(rec->break_reason,
	    ANCHOR_REASON_MAX - 1));
	return keys_hmac(key, slot, ANCHOR_BODY, slot + ANCHOR_BODY);
}

/* Decode a slot whose seal holds; 1, or 0 when it does not. */
static int
anchor_decode(const uint8_t key[KEYS_LEN], const uint8_t slot[ANCHOR_SLOT],
    struct journal_anchor_rec *rec)
{
	uint8_t seal[KEYS_MAC_LEN];

	if (memcmp(slot, ANCHOR_MAGIC, 8) != 0 ||
	    keys_hmac(key, slot, ANCHOR_BODY, seal) != 0 ||
	    !keys_mac_equal(seal, slot + ANCHOR_BODY))
		return 0;
	rec->gen = anchor_get64(slot + 8);
	rec->seq = (int64_t)anchor_get64(slot + 16);
	memcpy(rec->mac, slot + 24, KEYS_MAC_LEN);
	rec->break_seq = (int64_t)anchor_get64(slot + 56);
	memcpy(rec->break_reason, slot + 64, ANCHOR_REASON_MAX);
	rec->break_reason[ANCHOR_REASON_MAX - 1] = '\0';
	return rec->seq >= 0 && rec->break_seq >= 0;
}

int
journal_anchor_read(const char *path, const uint8_t key[KEYS_LEN],
    struct journal_anchor_rec *rec, char *why, size_t len)
{
	struct journal_anchor_rec r;
	uint8_t slot[ANCHOR_SLOT];
	int fd, i, found = 0;

	memset(rec, 0, sizeof(*rec));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, len, "anchor %s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (pread(fd, slot, sizeof(slot), (off_t)i * ANCHOR_STRIDE) !=
		    (ssize_t)sizeof(slot) || !anchor_decode(key, slot, &r))
			continue;
		if (!found || r.gen > rec->gen)
			*rec = r;
		found = 1;
	}
	close(fd);
	if (!found)
		snprintf(why, len, "anchor %s is not one this device wrote "
		    "(no slot with a good seal)", path);
	return found ? 1 : -1;
}

/* The database's head: seq (0 when none) and MAC; 0 or -1. */
static int
anchor_db_head(sqlite3 *db, int64_t *seq, uint8_t mac[KEYS_MAC_LEN])
{
	sqlite3_stmt *st;
	int rc;

	*seq = 0;
	if (db_prepare(db, "SELECT seq, mac FROM journal_head WHERE id = 1",
	    &st) == -1)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == KEYS_MAC_LEN) {
		*seq = sqlite3_column_int64(st, 0);
		memcpy(mac, sqlite3_column_blob(st, 1), KEYS_MAC_LEN);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return 0;
	log_warnx("journal: anchor: %s", sqlite3_errmsg(db));
	return -1;
}

/* The MAC of row seq: 1 found, 0 not there, -1 error. */
static int
anchor_db_row(sqlite3 *db, int64_t seq, uint8_t mac[KEYS_MAC_LEN])
{
	sqlite3_stmt *st;
	int rc;

	if (db_prepare(db, "SELECT mac FROM journal WHERE seq = ?1", &st) == -1)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KEYS_MAC_LEN)
		memcpy(mac, sqlite3_column_blob(st, 0), KEYS_MAC_LEN);
	else if (rc == SQLITE_ROW)
		memset(mac, 0, KEYS_MAC_LEN);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	log_warnx("journal: anchor: %s", sqlite3_errmsg(db));
	return -1;
}

int
journal_anchor_judge(sqlite3 *db, const struct journal_anchor_rec *a,
    int64_t *bad_seq, char *why, size_t len)
{
	uint8_t mac[KEYS_MAC_LEN];
	int64_t head;
	int rc;

	if (anchor_db_head(db, &head, mac) == -1)
		return -1;
	*bad_seq = a->seq;
	if (a->seq > head && head == 0) {
		snprintf(why, len, "journal wiped: the anchor records row %"
		    PRId64 ", the database has no rows", a->seq);
		return 1;
	}
	if (a->seq > head) {
		snprintf(why, len, "journal rolled back or cut: the anchor "
		    "records row %" PRId64 ", the database ends at row %"
		    PRId64, a->seq, head);
		return 1;
	}
	if (a->seq == 0)
		return 0;
	/* Rows removed by retention cannot be compared; the head can. */
	if ((rc = anchor_db_row(db, a->seq, mac)) == -1)
		return -1;
	if ((rc == 1 || head == a->seq) && !keys_mac_equal(mac, a->mac)) {
		snprintf(why, len, "journal replaced: row %" PRId64 " is not "
		    "the row the anchor records", a->seq);
		return 1;
	}
	return 0;
}

/* Write a->rec with the next generation into the older slot. */
static int
anchor_write(struct journal_anchor *a)
{
	uint8_t slot[ANCHOR_SLOT];
	ssize_t n;

	a->rec.gen++;
	if (anchor_encode(a->key, &a->rec, slot) != 0)
		return -1;
	n = pwrite(a->fd, slot, sizeof(slot),
	    (off_t)(a->rec.gen % 2) * ANCHOR_STRIDE);
	if (n != (ssize_t)sizeof(slot)) {
		log_warn("journal: anchor not written");
		return -1;
	}
	return 0;
}

int
journal_anchor_open(struct journal_anchor *a, const char *path,
    const uint8_t key[KEYS_LEN], const struct journal_anchor_rec *rec)
{
	a->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (a->fd == -1) {
		log_warn("journal: anchor %s", path);
		return -1;
	}
	a->key = key;
	a->rec = *rec;
	/* A new anchor holds its first slot at once: the writer moves it
	 * only after reporting a commit, and a verify in between must not
	 * find a file without a good slot.  That slot and the file's name
	 * are synced: the later slots are not (journal_anchor_set), and a
	 * power cut must leave a good one behind, or the next start would
	 * judge the journal tampered with.  A failure (a full disk) is
	 * logged; the next commit writes it again. */
	if (a->rec.gen == 0 && anchor_write(a) == 0 &&
	    (fdatasync(a->fd) != 0 || keys_sync_dir(path) != 0))
		log_warn("journal: anchor %s not synced", path);
	return 0;
}

/*
 * No fsync: the database's own commit is durable already, and an anchor
 * the page cache lost to a power cut is only behind the database, which
 * the check allows.  Never ahead.
 */
int
journal_anchor_set(struct journal_anchor *a, int64_t seq,
    const uint8_t mac[KEYS_MAC_LEN])
{
	if (a == NULL || a->fd < 0)
		return 0;
	a->rec.seq = seq;
	memcpy(a->rec.mac, mac, KEYS_MAC_LEN);
	return anchor_write(a);
}

int
journal_anchor_break(struct journal_anchor *a, int64_t seq,
    const char *reason)
{
	if (a->rec.break_seq != 0)
		return 0;
	a->rec.break_seq = seq;
	snprintf(a->rec.break_reason, sizeof(a->rec.break_reason), "%s",
	    reason);
	if (anchor_write(a) != 0)
		return -1;
	return fdatasync(a->fd) == 0 ? 0 : -1;
}

void
journal_anchor_close(struct journal_anchor *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}
