/*
 * What the tamper-evident journal costs.  Appends N rows through
 * journal_append into a fresh database and inserts the same rows with a
 * plain prepared INSERT into another fresh database opened the same way
 * (db_open: WAL, synchronous=FULL), one transaction per row in both cases,
 * and prints rows/s for each and their ratio.  The plain case encodes the
 * same JSON detail but makes no MAC and keeps no head, so the difference
 * is the chain.  A third database gets the same rows through the journal
 * writer (journal_start_writer: a thread, group commit), appended as fast
 * as they come, a flood; its time runs until the last row is committed.
 * Finally it times journal_verify over the rows written.
 *
 *	bench_journal [-n rows] [-d dir] [-k]
 *
 * -d puts the databases in dir, which must not hold an earlier run's
 * (default: a new directory under $TMPDIR or /tmp, removed afterwards
 * unless -k).  The figures are those of that file system's fsync.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "clock.h"
#include "db.h"
#include "journal.h"
#include "keys.h"
#include "log.h"

/* Rows per block; the sides take turns block by block. */
#define BENCH_BLOCK	500

struct bench {
	long	 rows;
	char	 dir[256];
	int	 keep;
	int	 made_dir;
};

/* One side of the comparison: the journal, or plain SQL. */
struct side {
	const char	*name;
	sqlite3		*db;
	struct journal	*j;		/* NULL on the plain side */
	int		 writer;	/* the journal writer commits */
	sqlite3_stmt	*st[3];		/* plain: BEGIN, INSERT, COMMIT */
	double		 wall;
	double		 cpu;
	double		 verify;
};

/* The detail of row i: what an access decision carries. */
static json_t *
bench_detail(long i)
{
	return json_pack("{s:s, s:I, s:s, s:s}", "reader", "front-in",
	    "credential", (json_int_t)(i % 300 + 1), "reason", "ok",
	    "tag", "3fa2c1d0e9b87a65");
}

/* Wall and CPU time now, in seconds. */
static void
bench_now(double *wall, double *cpu)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*wall = (double)clock_mono_us() / 1e6;
	*cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Open side's database, and its journal or its plain statements. */
static int
bench_open(const struct bench *b, struct side *s, const struct keys *k)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.db", b->dir, s->name);
	if ((s->db = db_open(path)) == NULL)
		return -1;
	if (k != NULL) {
		if ((s->j = journal_open(s->db, k->journal)) == NULL)
			return -1;
		return s->writer ? journal_start_writer(s->j) : 0;
	}
	if (db_prepare(s->db, "BEGIN IMMEDIATE", &s->st[0]) == -1 ||
	    db_prepare(s->db, "INSERT INTO journal (seq, time, type, point, "
	    "actor, subject, detail, mac) VALUES (?1, ?2, 'access.granted', "
	    "'front', 'system', 'stay:12', ?3, ?4)", &s->st[1]) == -1 ||
	    db_prepare(s->db, "COMMIT", &s->st[2]) == -1)
		return -1;
	return 0;
}

static void
bench_close(struct side *s)
{
	int i;

	journal_close(s->j);
	for (i = 0; i < 3; i++)
		sqlite3_finalize(s->st[i]);
	db_close(s->db);
}

/* Append row i through the journal. */
static int
bench_journal_row(struct side *s, long i)
{
	json_t *d = bench_detail(i);
	int64_t seq;

	seq = journal_append(s->j, "access.granted", "front", "system",
	    "stay:12", d);
	json_decref(d);
	return seq == i + 1 ? 0 : -1;
}

/* Insert row i with a plain prepared INSERT in its own transaction. */
static int
bench_plain_row(struct side *s, long i)
{
	static const uint8_t mac[KEYS_MAC_LEN];
	char now[32], *text;
	json_t *d = bench_detail(i);
	int rc;

	text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	clock_iso8601(now, sizeof(now));
	sqlite3_bind_int64(s->st[1], 1, i + 1);
	sqlite3_bind_text(s->st[1], 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->st[1], 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s->st[1], 4, mac, sizeof(mac), SQLITE_STATIC);
	rc = sqlite3_step(s->st[0]) == SQLITE_DONE &&
	    sqlite3_step(s->st[1]) == SQLITE_DONE &&
	    sqlite3_step(s->st[2]) == SQLITE_DONE ? 0 : -1;
	if (rc == -1)
		fprintf(stderr, "bench: plain: %s\n", sqlite3_errmsg(s->db));
	sqlite3_reset(s->st[0]);
	sqlite3_reset(s->st[1]);
	sqlite3_reset(s->st[2]);
	free(text);
	return rc;
}

/* Write rows from..to-1 on one side, adding the time taken. */
static int
bench_block(struct side *s, long from, long to)
{
	double w0, c0, w1, c1;
	long i;

	bench_now(&w0, &c0);
	for (i = from; i < to; i++)
		if ((s->j != NULL ? bench_journal_row(s, i) :
		    bench_plain_row(s, i)) == -1)
			return -1;
	if (s->writer) {
		journal_sync(s->j, 600000);
		if (journal_committed_seq(s->j) != to) {
			fprintf(stderr, "bench: writer: committed %lld of %ld\n",
			    (long long)journal_committed_seq(s->j), to);
			return -1;
		}
	}
	bench_now(&w1, &c1);
	s->wall += w1 - w0;
	s->cpu += c1 - c0;
	return 0;
}

/*
 * Run both sides in alternating blocks, each going first every other
 * time, so that both meet the same disk: fsync times on a shared or
 * virtual disk drift by tens of percent over a minute, which one side
 * after the other would read as a difference.
 */
static int
bench_run(const struct bench *b, struct side *jn, struct side *pl,
    struct side *wr)
{
	struct side *order[3] = { jn, pl, wr }, *t;
	long from, to;
	int i;

	for (from = 0; from < b->rows; from = to) {
		to = from + BENCH_BLOCK < b->rows ? from + BENCH_BLOCK :
		    b->rows;
		for (i = 0; i < 3; i++)
			if (bench_block(order[i], from, to) == -1)
				return -1;
		t = order[0];
		order[0] = order[1];
		order[1] = order[2];
		order[2] = t;
	}
	return 0;
}

/* Time journal_verify over what the journal side wrote. */
static int
bench_verify(const struct bench *b, struct side *jn, const struct keys *k)
{
	struct journal_verify v;
	double w0, c0, w1, c1;

	bench_now(&w0, &c0);
	if (journal_verify(jn->db, k->journal, &v) != 0 || v.rows != b->rows) {
		fprintf(stderr, "bench: verify: %s\n", v.reason);
		return -1;
	}
	bench_now(&w1, &c1);
	jn->verify = w1 - w0;
	return 0;
}

/* Parse the command line into b; 0, or -1 on a usage error. */
static int
bench_args(int argc, char **argv, struct bench *b)
{
	int ch;

	b->rows = 20000;
	while ((ch = getopt(argc, argv, "n:d:k")) != -1) {
		switch (ch) {
		case 'n':
			if ((b->rows = bench_long(optarg)) == -1)
				return -1;
			break;
		case 'd':
			snprintf(b->dir, sizeof(b->dir), "%s", optarg);
			break;
		case 'k':
			b->keep = 1;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc)
		return -1;
	if (b->dir[0] != '\0')
		return 0;
	if (bench_mkdtemp(b->dir, sizeof(b->dir)) == -1)
		return -1;
	b->made_dir = 1;
	return 0;
}

/* One line of figures for a side. */
static void
bench_line(const char *what, long rows, const struct side *s)
{
	printf("%-15s %8ld rows in %7.2f s = %7.0f rows/s (CPU %5.1f us/row)\n",
	    what, rows, s->wall, (double)rows / s->wall,
	    s->cpu / (double)rows * 1e6);
}

/* Print the figures and the command line that produced them. */
static void
bench_report(const struct bench *b, int argc, char **argv,
    const struct side *jn, const struct side *pl, const struct side *wr)
{
	bench_command(argc, argv);
	printf("\ndirectory: %s (WAL, synchronous=FULL, one transaction "
	    "per row, sides alternating every %d rows)\n", b->dir,
	    BENCH_BLOCK);
	bench_line("journal_append:", b->rows, jn);
	bench_line("plain INSERT:", b->rows, pl);
	printf("ratio journal/plain rows/s: %.2f\n", pl->wall / jn->wall);
	bench_line("group commit:", b->rows, wr);
	printf("ratio group commit/plain rows/s: %.2f\n",
	    pl->wall / wr->wall);
	printf("journal_verify: %8ld rows in %7.2f s = %7.0f rows/s\n",
	    b->rows, jn->verify, (double)b->rows / jn->verify);
}

int
main(int argc, char **argv)
{
	struct side jn = { .name = "journal" }, pl = { .name = "plain" };
	struct side wr = { .name = "writer", .writer = 1 };
	struct bench b;
	struct keys k;
	char path[512];
	int rc = 1;

	memset(&b, 0, sizeof(b));
	log_init("bench_journal", LOG_LVL_WARN);
	if (bench_args(argc, argv, &b) == -1)
		return bench_usage("bench_journal [-n rows] [-d dir] [-k]");
	snprintf(path, sizeof(path), "%s/device.key", b.dir);
	if (keys_load(&k, path) == -1 || bench_open(&b, &jn, &k) == -1 ||
	    bench_open(&b, &pl, NULL) == -1 || bench_open(&b, &wr, &k) == -1)
		goto out;
	if (bench_run(&b, &jn, &pl, &wr) == -1 ||
	    bench_verify(&b, &jn, &k) == -1)
		goto out;
	bench_report(&b, argc, argv, &jn, &pl, &wr);
	rc = 0;
out:
	bench_close(&jn);
	bench_close(&pl);
	bench_close(&wr);
	if (b.made_dir && !b.keep)
		tmpdir_remove(b.dir);
	return rc;
}
