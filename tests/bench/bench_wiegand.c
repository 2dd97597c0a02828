/*
 * How soon after its last bit a Wiegand frame becomes a card.  The HAL is
 * opened on the sim board with a callback, as husvagtd opens it; each
 * frame's 26 bits are reported through hal_report_wiegand_bit (what a
 * backend calls on every D0/D1 pulse) with times spaced by the bit
 * interval so that the last bit is now, and then a small poll loop like
 * husvagtd's (poll until hal_deadline, then hal_tick) runs until the
 * HAL_EV_CARD callback.  The delay is the callback's time minus the last
 * bit's, on CLOCK_MONOTONIC.
 *
 *	bench_wiegand [-b board] [-m frames] [-d dir]
 *
 * The board (default boards/sim/board.ini) must have corridor-1.reader.
 * The sim backend keeps its files in dir (default: a new directory under
 * $TMPDIR or /tmp, removed afterwards).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "clock.h"
#include "hal_backend.h"
#include "log.h"
#include "wiegand.h"

#define WG_READER	"corridor-1.reader"
#define WG_TIMEOUT_MS	50	/* husvagtd's give-up timeout */
#define WG_OLD_GAP_MS	100	/* the fixed end-of-frame wait it replaced */
#define WG_FDS		64
#define WG_NUMBER	UINT64_C(0x01a2b3)

struct wg {
	const char	*board;
	long		 frames;
	char		 dir[256];
	int		 made_dir;
	uint64_t	 card_ns;	/* when the callback heard the card */
	int		 bad;		/* a wrong event came */
};

/* The HAL's callback: note when the card came. */
static void
wg_event(void *arg, const struct hal_event *ev)
{
	struct wg *w = arg;

	if (ev->type == HAL_EV_CARD && ev->bits == 26 &&
	    ev->number == WG_NUMBER)
		w->card_ns = bench_ns();
	else if (ev->type != HAL_EV_INPUT && ev->type != HAL_EV_LOOP)
		w->bad = 1;
}

/* Report one frame's bits, the last at now; returns its time in ns. */
static uint64_t
wg_send(struct hal *hal, int point, const uint8_t *bits, int n,
    uint32_t interval_us)
{
	uint64_t last_ns = bench_ns(), last_us = last_ns / 1000u;
	int i;

	for (i = 0; i < n; i++)
		hal_report_wiegand_bit(hal, point, bits[i],
		    last_us - (uint64_t)(n - 1 - i) * interval_us);
	return last_ns;
}

/* husvagtd's loop in small: poll until the HAL's deadline, then tick. */
static int
wg_loop(struct hal *hal, struct wg *w)
{
	struct pollfd pfd[WG_FDS];
	uint64_t dl, now, give_up = clock_mono_ms() + 1000;
	int n, timeout;

	while (w->card_ns == 0 && !w->bad) {
		now = clock_mono_ms();
		if (now > give_up)
			return -1;
		n = hal_pollfds(hal, pfd, WG_FDS);
		dl = hal_deadline(hal);
		timeout = dl == 0 ? 100 : dl <= now ? 0 : (int)(dl - now);
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return -1;
		hal_dispatch(hal, pfd, n);
		hal_tick(hal, clock_mono_ms());
	}
	return w->bad ? -1 : 0;
}

/* Delays of frames at one bit interval, sorted, into ns[]. */
static int
wg_run(struct hal *hal, struct wg *w, uint32_t interval_us, uint64_t *ns)
{
	int point = hal_point(hal, WG_READER), n;
	uint8_t bits[WIEGAND_MAX_BITS];
	uint64_t last;
	long i;

	n = wiegand_encode(26, WG_NUMBER, bits, WIEGAND_MAX_BITS);
	if (point < 0 || n != 26) {
		fprintf(stderr, "bench: no reader %s\n", WG_READER);
		return -1;
	}
	for (i = 0; i < w->frames; i++) {
		w->card_ns = 0;
		last = wg_send(hal, point, bits, n, interval_us);
		if (wg_loop(hal, w) != 0) {
			fprintf(stderr, "bench: frame %ld: no card\n", i);
			return -1;
		}
		ns[i] = w->card_ns - last;
	}
	return 0;
}

/* The decoder's nominal gap at an interval, in ms. */
static double
wg_nominal(uint32_t interval_us)
{
	uint32_t gap = WIEGAND_GAP_INTERVALS * interval_us;

	return (double)(gap > WIEGAND_MIN_GAP_US ? gap : WIEGAND_MIN_GAP_US) /
	    1e3;
}

static int
wg_interval(struct hal *hal, struct wg *w, uint32_t interval_us)
{
	uint64_t *ns = calloc((size_t)w->frames, sizeof(*ns));

	if (ns == NULL || wg_run(hal, w, interval_us, ns) != 0) {
		free(ns);
		return -1;
	}
	qsort(ns, (size_t)w->frames, sizeof(*ns), bench_cmp_u64);
	printf("interval %.1f ms: n=%ld median %.3f ms p99 %.3f ms (min %.3f, "
	    "max %.3f); nominal gap %.1f ms; old fixed %d ms\n",
	    interval_us / 1e3, w->frames, bench_pct(ns, w->frames, 50),
	    bench_pct(ns, w->frames, 99), bench_pct(ns, w->frames, 0),
	    bench_pct(ns, w->frames, 100), wg_nominal(interval_us),
	    WG_OLD_GAP_MS);
	free(ns);
	return 0;
}

static int
wg_args(int argc, char **argv, struct wg *w)
{
	int ch;

	w->board = "boards/sim/board.ini";
	w->frames = 300;
	while ((ch = getopt(argc, argv, "b:m:d:")) != -1) {
		switch (ch) {
		case 'b':
			w->board = optarg;
			break;
		case 'm':
			if ((w->frames = bench_long(optarg)) == -1)
				return -1;
			break;
		case 'd':
			snprintf(w->dir, sizeof(w->dir), "%s", optarg);
			break;
		default:
			return -1;
		}
	}
	if (optind != argc)
		return -1;
	if (w->dir[0] != '\0')
		return 0;
	if (bench_mkdtemp(w->dir, sizeof(w->dir)) == -1)
		return -1;
	w->made_dir = 1;
	return 0;
}

/* Open the HAL on the board with its files in the bench's folder. */
static struct hal *
wg_open(struct wg *w, struct board *b)
{
	char state[300], sock[300];
	struct hal_params hp = { .state_dir = state, .sim_socket = sock,
	    .wiegand_timeout_ms = WG_TIMEOUT_MS };
	struct diag d = { 0 };

	snprintf(state, sizeof(state), "%s/state", w->dir);
	snprintf(sock, sizeof(sock), "%s/sim.sock", w->dir);
	if (board_load(b, w->board, &d) != 0)
		return NULL;
	return hal_open(b, &hp, wg_event, w);
}

int
main(int argc, char **argv)
{
	static struct board b;
	struct wg w;
	struct hal *hal = NULL;
	int rc = 1;

	memset(&w, 0, sizeof(w));
	log_init("bench_wiegand", LOG_LVL_WARN);
	if (wg_args(argc, argv, &w) == -1)
		return bench_usage("bench_wiegand [-b board] [-m frames] "
		    "[-d dir]");
	if ((hal = wg_open(&w, &b)) == NULL)
		goto out;
	bench_command(argc, argv);
	printf("\nmeasured: last bit's time (hal_report_wiegand_bit) to the "
	    "HAL_EV_CARD callback, through poll + hal_deadline + hal_tick\n");
	if (wg_interval(hal, &w, 2000) != 0 || wg_interval(hal, &w, 1000) != 0)
		goto out;
	rc = 0;
out:
	hal_close(hal);
	if (w.made_dir)
		tmpdir_remove(w.dir);
	return rc;
}
