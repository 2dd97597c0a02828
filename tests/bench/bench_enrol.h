/*
 * Bulk enrolment for the benches that need a full credential store
 * (bench_access, bench_populate).  The Makefile builds each bench from its
 * own .c file alone, so the shared code lives here as static functions
 * rather than in an object of its own.
 *
 * Every credential goes through cred_enrol(), the function chip.enrol
 * uses, so the rows, MACs and indexes are exactly what enrolment makes.
 * cred_enrol() runs its own BEGIN IMMEDIATE ... COMMIT, and SQLite has no
 * nested BEGIN, so the rows cannot share one outer transaction: an outer
 * BEGIN makes every cred_enrol() fail.  Speed comes instead from
 * synchronous=OFF on the loading connection: each row still commits on
 * its own, but no commit waits for fsync.  Afterwards the WAL is
 * checkpointed into the database and synchronous=FULL is restored and
 * read back, so whatever is measured next runs as the daemon runs.
 */
#ifndef HUSVAGT_BENCH_ENROL_H
#define HUSVAGT_BENCH_ENROL_H

#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "cred.h"
#include "db.h"

/* Enrolled cards are 26-bit numbers from facility 1, card 0 upwards;
 * unknown cards come from facility 128, which is never enrolled. */
#define BENCH_CARD_FIRST	UINT64_C(0x010000)
#define BENCH_CARD_UNKNOWN	UINT64_C(0x800000)
#define BENCH_CARDS_MAX		(long)(BENCH_CARD_UNKNOWN - BENCH_CARD_FIRST)
#define BENCH_FORMAT		26

/* The card number of the i-th enrolled credential. */
static uint64_t
bench_card(long i)
{
	return BENCH_CARD_FIRST + (uint64_t)i;
}

/* PRAGMA synchronous of db (2 = FULL), or -1. */
static int
bench_sync_level(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (db_prepare(db, "PRAGMA synchronous", &st) == -1)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Enrol credentials 0..n-1, each through cred_enrol(); 0 or -1. */
static int
bench_enrol_rows(sqlite3 *db, const struct keys *k, long n,
    const char *zones)
{
	struct cred_new cn = { .format = BENCH_FORMAT, .zones = zones };
	const char *err = NULL;
	char holder[32];
	int64_t now = (int64_t)clock_wall();
	long i;

	cn.holder = holder;
	for (i = 0; i < n; i++) {
		snprintf(holder, sizeof(holder), "stay:%ld", i + 1);
		cn.number = bench_card(i);
		if (cred_enrol(db, k, &cn, now, &err) < 0) {
			fprintf(stderr, "bench: enrol %ld: %s\n", i, err);
			return -1;
		}
	}
	return 0;
}

/*
 * Enrol n credentials for zones into an empty store, then put the
 * connection back to synchronous=FULL.  0, or -1 with the reason printed.
 */
static int
bench_enrol(sqlite3 *db, const struct keys *k, long n, const char *zones)
{
	char restore[64];
	int rc, level;

	if (n > BENCH_CARDS_MAX) {
		fprintf(stderr, "bench: at most %ld credentials\n",
		    BENCH_CARDS_MAX);
		return -1;
	}
	if (cred_count(db) != 0) {
		fprintf(stderr, "bench: the credential store is not empty; "
		    "use a fresh state folder\n");
		return -1;
	}
	/* The level to restore: FULL, or NORMAL on husvagtd's loop
	 * connection once the journal writer runs (the writer syncs). */
	level = bench_sync_level(db);
	snprintf(restore, sizeof(restore), "PRAGMA synchronous=%d", level);
	if (db_exec(db, "PRAGMA synchronous=OFF") == -1)
		return -1;
	rc = bench_enrol_rows(db, k, n, zones);
	if (db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)") == -1 ||
	    db_exec(db, restore) == -1 || bench_sync_level(db) != level) {
		fprintf(stderr, "bench: cannot restore synchronous=%d\n",
		    level);
		return -1;
	}
	if (rc == 0 && cred_count(db) != n) {
		fprintf(stderr, "bench: %lld credentials after enrolling %ld\n",
		    (long long)cred_count(db), n);
		return -1;
	}
	return rc;
}

#endif
