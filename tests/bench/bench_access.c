/*
 * How long a presented card takes to move a lock, with a full credential
 * store.  A real struct husvagt is set up the way husvagtd's main() does
 * (site configuration, board, daemon_start on the sim backend), the store
 * is filled through cred_enrol (bench_enrol.h), and then each round hands
 * the core one HAL_EV_CARD at corridor-1's reader, the event the HAL
 * sends when a Wiegand frame is complete.  A round is timed from just
 * before events_hal() to the lock on the wire: MAC of the card,
 * credential lookup, access decision and the queued rows happen inside
 * that call; a grant then waits for the journal writer to commit its row
 * (the writer's descriptor, journal_dispatch, as the loop does), and the
 * lock write to the sim backend follows.  A grant's time is also printed
 * in its parts (events_hal; waiting for the commit; the dispatch that
 * writes the lock), and after the rounds the disk's own cost: a 4 KiB
 * append and its fdatasync in the state folder, as a WAL commit makes.
 *
 *	bench_access -c config [-e enrolled] [-n rounds]
 *
 * config is a site configuration with a fresh state folder, as
 * tools/sim-config makes.  Rounds alternate: a grant for a random enrolled
 * card, a denial for an unknown card.  Every grant is checked to have
 * released the lock on the wire and every denial to have left it locked;
 * between rounds the door relocks by its own timer (doors_tick).
 *
 * Time is stepped, not waited for: each round's event carries a time 60 s
 * after the last, so that the release timer can be run at once and the
 * denials never add up to a reader lockout (5 within 30 s).  Only the
 * door logic sees that time; the journal's wall clock is the real one.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_enrol.h"
#include "bench_util.h"
#include "husvagtd.h"
#include "journal.h"
#include "log.h"

#define ACCESS_DOOR	"corridor-1"
#define ACCESS_ZONES	"entrance,corridor-1"
#define ACCESS_STEP_MS	60000u	/* > lockout window, > release time */

struct args {
	const char	*config;
	long		 enrolled;
	long		 rounds;
};

/* Latencies of one kind of round, in ns. */
struct lat {
	const char	*name;
	uint64_t	*ns;
	long		 n;
};

/* A grant's parts, in ns: events_hal() (decision, rows queued, the loop's
 * own database writes), waiting for the commit (writer woken, its
 * transaction, the eventfd), and the dispatch that writes the lock. */
struct parts {
	uint64_t	*decide;
	uint64_t	*wait;
	uint64_t	*lock;
	long		 n;
};

static int
access_args(int argc, char **argv, struct args *a)
{
	int ch;

	a->enrolled = 100000;
	a->rounds = 2000;
	while ((ch = getopt(argc, argv, "c:e:n:")) != -1) {
		switch (ch) {
		case 'c':
			a->config = optarg;
			break;
		case 'e':
			a->enrolled = bench_long(optarg);
			break;
		case 'n':
			a->rounds = bench_long(optarg);
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || a->config == NULL || a->enrolled < 1 ||
	    a->rounds < 2)
		return -1;
	return 0;
}

/* Load and check configuration and board, and start, as husvagtd does. */
static int
access_start(struct husvagt *h, const char *path)
{
	struct diag d = { 0 };

	if (config_load(&h->cfg, path, &d) != 0 ||
	    board_load(&h->board, h->cfg.board, &d) != 0 ||
	    doors_check(&h->cfg, &h->board, &d) != 0)
		return -1;
	setenv("TZ", h->cfg.timezone, 1);
	tzset();
	return daemon_start(h);
}

/* Is the door's lock released on the wire (as last written)? */
static int
access_released(struct husvagt *h, struct door_rt *d)
{
	bool released = false;

	if (hal_lock_get(h->hal, d->p_lock, &released) != 0)
		return -1;
	return released && d->st.released;
}

/* A small fixed-seed generator, so that runs pick the same cards. */
static uint64_t
access_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * One round: present a card at *t, time the call, check the lock, then
 * let the door relock.  Returns the ns taken, or 0 when a check failed.
 */
static uint64_t
access_round(struct husvagt *h, struct door_rt *d, uint64_t number,
    int grant, uint64_t *t, struct parts *p)
{
	struct hal_event ev = { .type = HAL_EV_CARD, .point = d->p_reader,
	    .bits = BENCH_FORMAT, .number = number };
	int64_t seq = journal_last_seq(h->journal);
	uint64_t t0, t1, t2 = 0, t3;

	*t += ACCESS_STEP_MS;
	ev.at_ms = *t;
	t0 = bench_ns();
	events_hal(h, &ev);
	t1 = t3 = bench_ns();
	/* A grant waits for its row's commit: the writer reports on its
	 * descriptor, and the loop's dispatch releases the lock. */
	while (grant && !access_released(h, d) &&
	    bench_ns() - t0 < 5000000000ull) {
		struct pollfd pfd = { .fd = journal_fd(h->journal),
		    .events = POLLIN };

		if (pfd.fd < 0)
			break;
		(void)poll(&pfd, 1, 100);
		t2 = bench_ns();
		journal_dispatch(h->journal);
		t3 = bench_ns();
	}
	if (access_released(h, d) != grant ||
	    journal_last_seq(h->journal) <= seq) {
		fprintf(stderr, "bench: card %llu: expected %s\n",
		    (unsigned long long)number, grant ? "a grant" : "a denial");
		return 0;
	}
	if (grant) {
		p->decide[p->n] = t1 - t0;
		p->wait[p->n] = t2 > t1 ? t2 - t1 : 0;
		p->lock[p->n] = t2 > t1 ? t3 - t2 : 0;
		p->n++;
		doors_tick(h, *t + d->fsm.release_ms);
		if (access_released(h, d) != 0) {
			fprintf(stderr, "bench: the door did not relock\n");
			return 0;
		}
	}
	return t3 - t0 > 0 ? t3 - t0 : 1;
}

/* Run the rounds, filling grants and denials. */
static int
access_run(struct husvagt *h, const struct args *a, struct lat *g,
    struct lat *dn, struct parts *p)
{
	struct door_rt *d = doors_find(h, ACCESS_DOOR);
	uint64_t t = clock_mono_ms(), seed = 0x9e3779b97f4a7c15u, ns, num;
	long i;
	int grant;

	if (d == NULL || d->p_reader < 0 || d->p_lock < 0 || d->cfg->pin) {
		fprintf(stderr, "bench: no door %s with a reader, a lock and "
		    "no PIN\n", ACCESS_DOOR);
		return -1;
	}
	for (i = 0; i < a->rounds; i++) {
		grant = i % 2 == 0;
		num = grant ? bench_card((long)(access_rand(&seed) %
		    (uint64_t)a->enrolled)) : BENCH_CARD_UNKNOWN + (uint64_t)i;
		if ((ns = access_round(h, d, num, grant, &t, p)) == 0)
			return -1;
		if (grant)
			g->ns[g->n++] = ns;
		else
			dn->ns[dn->n++] = ns;
	}
	return 0;
}

/* Journal rows of type since seq, to check the decisions were kept. */
static long
access_rows(sqlite3 *db, const char *type, int64_t after)
{
	sqlite3_stmt *st;
	long n = -1;

	if (db_prepare(db, "SELECT count(*) FROM journal WHERE type = ?1 "
	    "AND seq > ?2", &st) == -1)
		return -1;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, after);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
access_line(struct lat *l)
{
	qsort(l->ns, (size_t)l->n, sizeof(*l->ns), bench_cmp_u64);
	printf("%-6s n=%ld median %.3f ms p99 %.3f ms (min %.3f, max %.3f)\n",
	    l->name, l->n, bench_pct(l->ns, l->n, 50),
	    bench_pct(l->ns, l->n, 99), bench_pct(l->ns, l->n, 0),
	    bench_pct(l->ns, l->n, 100));
}

/*
 * The disk under the database: n times a 4 KiB append to a file in dir
 * and its fdatasync, as a WAL commit does (the journal writer
 * flushes the WAL with fdatasync).  Fills ns; 0 or -1.
 */
static int
access_fsync(const char *dir, uint64_t *ns, long n)
{
	char path[4096], buf[4096];
	uint64_t t0;
	long i;
	int fd;

	snprintf(path, sizeof(path), "%s/bench-fsync", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600))
	    == -1)
		return -1;
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < n; i++) {
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;
		t0 = bench_ns();
		if (fdatasync(fd) != 0)
			break;
		ns[i] = bench_ns() - t0;
	}
	close(fd);
	unlink(path);
	return i == n ? 0 : -1;
}

/* One part of the grants: median and p99 in ms, sorted in place. */
static void
access_part(const char *name, uint64_t *v, long n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_u64);
	printf("  %-12s median %.3f ms p99 %.3f ms\n", name,
	    bench_pct(v, n, 50), bench_pct(v, n, 99));
}

static void
access_report(struct husvagt *h, int argc, char **argv, double enrol_s,
    struct lat *g, struct lat *dn, struct parts *p, struct lat *fs)
{
	bench_command(argc, argv);
	printf("\ncredentials: %lld enrolled in %.1f s (cred_enrol, "
	    "synchronous=OFF while loading); door %s; state %s\n",
	    (long long)cred_count(h->db), enrol_s, ACCESS_DOOR,
	    h->cfg.state_dir);
	printf("measured: events_hal(HAL_EV_CARD) to the lock on the wire; "
	    "the journal writer commits (SQLite WAL, then one fdatasync "
	    "of the WAL per commit) beside it\n");
	printf("grant: access.granted queued, its commit awaited, then "
	    "door.released queued and the lock write (the sim backend logs "
	    "the change and rewrites its wires file in place, no fsync)\n");
	printf("deny:  access.denied row queued (unknown card), no output\n");
	access_line(g);
	printf("grant parts: events_hal (decision, rows queued, the loop's "
	    "own writes); waiting for the commit (writer woken, its "
	    "transaction, eventfd); the dispatch (lock write)\n");
	access_part("decide", p->decide, p->n);
	access_part("commit wait", p->wait, p->n);
	access_part("lock", p->lock, p->n);
	access_line(dn);
	printf("disk: fdatasync after a 4 KiB append in the state folder, "
	    "%ld times after the rounds\n", fs->n);
	access_line(fs);
}

int
main(int argc, char **argv)
{
	static struct husvagt h;
	struct lat g = { .name = "grant" }, dn = { .name = "deny" },
	    fs = { .name = "fsync" };
	struct parts p = { 0 };
	struct args a = { 0 };
	int64_t seq0;
	uint64_t t0;
	double enrol_s;
	int rc = 1;

	log_init("bench_access", LOG_LVL_WARN);
	if (access_args(argc, argv, &a) == -1)
		return bench_usage("bench_access -c config [-e enrolled] "
		    "[-n rounds]");
	g.ns = calloc((size_t)a.rounds, sizeof(*g.ns));
	dn.ns = calloc((size_t)a.rounds, sizeof(*dn.ns));
	fs.ns = calloc((size_t)a.rounds, sizeof(*fs.ns));
	p.decide = calloc((size_t)a.rounds, sizeof(*p.decide));
	p.wait = calloc((size_t)a.rounds, sizeof(*p.wait));
	p.lock = calloc((size_t)a.rounds, sizeof(*p.lock));
	if (g.ns == NULL || dn.ns == NULL || fs.ns == NULL ||
	    p.decide == NULL || p.wait == NULL || p.lock == NULL ||
	    access_start(&h, a.config) != 0)
		goto out;
	t0 = clock_mono_us();
	if (bench_enrol(h.db, &h.keys, a.enrolled, ACCESS_ZONES) != 0)
		goto out;
	enrol_s = (double)(clock_mono_us() - t0) / 1e6;
	seq0 = journal_last_seq(h.journal);
	if (access_run(&h, &a, &g, &dn, &p) != 0)
		goto out;
	journal_sync(h.journal, 10000);
	fs.n = a.rounds / 2;
	if (access_fsync(h.cfg.state_dir, fs.ns, fs.n) != 0) {
		fprintf(stderr, "bench: fsync in %s failed\n", h.cfg.state_dir);
		goto out;
	}
	if (access_rows(h.db, "access.granted", seq0) != g.n ||
	    access_rows(h.db, "access.denied", seq0) != dn.n) {
		fprintf(stderr, "bench: the journal does not hold every "
		    "decision\n");
		goto out;
	}
	access_report(&h, argc, argv, enrol_s, &g, &dn, &p, &fs);
	rc = 0;
out:
	daemon_stop(&h);
	free(g.ns);
	free(dn.ns);
	free(fs.ns);
	free(p.decide);
	free(p.wait);
	free(p.lock);
	return rc;
}
