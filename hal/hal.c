/*
 * The HAL core: the list of backends, the loop plumbing that fans the
 * caller's pollfds and timers out to them, and the one place where wires
 * become meanings: active-low, lock type and Wiegand decoding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hal_backend.h"
#include "hal_int.h"
#include "log.h"

#define HAL_WIEGAND_TIMEOUT_MS	50

/* The backends a board may name, by type. */
static const struct hal_backend_type hal_backend_types[] = {
	{ &hal_sim_ops, &sim_board_keys },
	{ &hal_gpiod_ops, &gpiod_board_keys },
	{ &hal_modbus_ops, &modbus_board_keys },
	{ &hal_osdp_ops, &osdp_board_keys },
};

/* The i-th backend type a board may name, or NULL past the last. */
const struct hal_backend_type *
hal_backend_type(size_t i)
{
	if (i >= sizeof(hal_backend_types) / sizeof(hal_backend_types[0]))
		return NULL;
	return &hal_backend_types[i];
}

/* The ops table of a backend type, or NULL. */
static const struct hal_backend_ops *
hal_ops_find(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(hal_backend_types) /
	    sizeof(hal_backend_types[0]); i++)
		if (!strcmp(hal_backend_types[i].ops->type, type))
			return hal_backend_types[i].ops;
	return NULL;
}

/* Copy the caller's parameters so that they need not outlive hal_open. */
static int
hal_params_copy(struct hal *h, const struct hal_params *p)
{
	if (p != NULL)
		h->params = *p;
	if (h->params.wiegand_timeout_ms <= 0)
		h->params.wiegand_timeout_ms = HAL_WIEGAND_TIMEOUT_MS;
	h->params.state_dir = h->state_dir = NULL;
	h->params.sim_socket = h->sim_socket = NULL;
	if (p != NULL && p->state_dir != NULL &&
	    (h->state_dir = strdup(p->state_dir)) == NULL)
		return -1;
	if (p != NULL && p->sim_socket != NULL &&
	    (h->sim_socket = strdup(p->sim_socket)) == NULL)
		return -1;
	h->params.state_dir = h->state_dir;
	h->params.sim_socket = h->sim_socket;
	return 0;
}

/* A HAL with every point unknown and no backend open yet. */
static struct hal *
hal_new(const struct board *b, const struct hal_params *params,
    hal_event_cb *cb, void *arg)
{
	struct hal *h;
	int i;

	h = calloc(1, sizeof(*h) + (size_t)b->npoints * sizeof(h->pt[0]));
	if (h == NULL)
		return NULL;
	h->board = b;
	h->cb = cb;
	h->arg = arg;
	h->wg_timer = -1;
	if (hal_params_copy(h, params) != 0) {
		hal_close(h);
		return NULL;
	}
	for (i = 0; i < b->npoints; i++) {
		h->pt[i].in = h->pt[i].out = -1;
		h->pt[i].level = h->pt[i].queued = -1;
		if (b->points[i].kind == BOARD_READER)
			wiegand_init(&h->pt[i].wg,
			    (uint32_t)h->params.wiegand_timeout_ms * 1000u);
	}
	hal_timer_open(h);
	return h;
}

/*
 * Open every backend of the board and read the current inputs; no output
 * changes.  Returns NULL with errno set and the reason logged.
 */
struct hal *
hal_open(const struct board *b, const struct hal_params *params,
    hal_event_cb *cb, void *arg)
{
	struct hal_backend *be;
	struct hal *h;
	int i, saved;

	if ((h = hal_new(b, params, cb, arg)) == NULL) {
		log_warn("hal");
		return NULL;
	}
	h->opening = true;
	for (i = 0; i < b->nbackends; i++) {
		be = &h->be[i];
		be->cfg = &b->backends[i];
		be->index = i;
		be->hal = h;
		if ((be->ops = hal_ops_find(be->cfg->type)) == NULL) {
			log_warnx("backend %s: unknown type '%s'",
			    be->cfg->name, be->cfg->type);
			errno = EINVAL;
			goto fail;
		}
		if (be->ops->open(be) != 0) {
			log_warnx("backend %s (%s): cannot open",
			    be->cfg->name, be->cfg->type);
			goto fail;
		}
		h->nbe++;
	}
	h->opening = false;
	hal_lines_start(h);
	return h;
fail:
	saved = errno != 0 ? errno : EIO;
	hal_close(h);
	errno = saved;
	return NULL;
}

/* Close every backend, newest first, leaving outputs as they are. */
void
hal_close(struct hal *h)
{
	if (h == NULL)
		return;
	while (h->nbe > 0) {
		h->nbe--;
		h->be[h->nbe].ops->close(&h->be[h->nbe]);
	}
	hal_timer_close(h);
	free(h->state_dir);
	free(h->sim_socket);
	free(h);
}

/* Fill up to max pollfds, remembering each backend's share for dispatch. */
int
hal_pollfds(struct hal *h, struct pollfd *pfd, int max)
{
	struct hal_backend *be;
	int i, n, total = 0;

	for (i = 0; i < h->nbe; i++) {
		be = &h->be[i];
		n = 0;
		if (be->ops->pollfds != NULL && total < max)
			n = be->ops->pollfds(be, pfd + total, max - total);
		h->npfd[i] = n;
		total += n;
	}
	h->npfd_timer = total < max ? hal_timer_pollfd(h, pfd + total) : 0;
	return total + h->npfd_timer;
}

/* Hand each backend back the slice of pollfds it filled. */
void
hal_dispatch(struct hal *h, const struct pollfd *pfd, int n)
{
	struct hal_backend *be;
	int i, k, off = 0;

	for (i = 0; i < h->nbe && off < n; i++) {
		be = &h->be[i];
		k = h->npfd[i] < n - off ? h->npfd[i] : n - off;
		if (k > 0 && be->ops->dispatch != NULL)
			be->ops->dispatch(be, pfd + off, k);
		off += k;
	}
	for (; i < h->nbe; i++)
		off += h->npfd[i];
	if (h->npfd_timer && off < n)
		hal_timer_dispatch(h, pfd + off);
}

/* The earlier of two deadlines where 0 means none. */
static uint64_t
hal_earlier(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

/* The earliest CLOCK_MONOTONIC ms at which hal_tick() has work; 0: none. */
uint64_t
hal_deadline(struct hal *h)
{
	struct hal_backend *be;
	uint64_t d = h->announce ? 1 : 0, us;
	int i;

	for (i = 0; i < h->nbe; i++) {
		be = &h->be[i];
		if (be->ops->deadline != NULL)
			d = hal_earlier(d, be->ops->deadline(be));
	}
	for (i = 0; i < h->board->npoints; i++) {
		if (h->board->points[i].kind != BOARD_READER)
			continue;
		/* Rounded up, so that a tick at that ms finds it due. */
		if ((us = wiegand_deadline(&h->pt[i].wg)) != 0)
			d = hal_earlier(d, (us + 999) / 1000);
	}
	return hal_earlier(d, h->lines_at);	/* reader line samples */
}

/*
 * Faults found while opening are announced on the first tick: during
 * hal_open the caller does not yet hold the HAL its callback would use.
 */
static void
hal_announce(struct hal *h, uint64_t now_ms)
{
	int i;

	h->announce = false;
	for (i = 0; i < h->nbe; i++)
		if (h->fault[i])
			hal_emit_fault(h, i, h->fault_reason[i], now_ms);
}

/* Run timers: backend polls, then every Wiegand frame that is due. */
void
hal_tick(struct hal *h, uint64_t now_ms)
{
	struct hal_backend *be;
	uint64_t now_us = now_ms * 1000u, d;
	int i;

	if (h->announce)
		hal_announce(h, now_ms);
	for (i = 0; i < h->nbe; i++) {
		be = &h->be[i];
		if (be->ops->tick != NULL)
			be->ops->tick(be, now_ms);
	}
	for (i = 0; i < h->board->npoints; i++) {
		if (h->board->points[i].kind != BOARD_READER)
			continue;
		d = wiegand_deadline(&h->pt[i].wg);
		if (d != 0 && d <= now_us)
			hal_wiegand_poll(h, i, now_us);
	}
	hal_lines_tick(h, now_ms);
}

/* The point of role on this board, or -1. */
int
hal_point(const struct hal *h, const char *role)
{
	return board_point_find(h->board, role);
}

/* The board's description of a point, or NULL if there is none. */
const struct board_point *
hal_point_info(const struct hal *h, int point)
{
	if (point < 0 || point >= h->board->npoints)
		return NULL;
	return &h->board->points[point];
}

/* Queue a logical output value for the next hal_flush(). */
int
hal_output_set(struct hal *h, int point, bool active)
{
	struct hal_pt *pt = hal_pt_of(h, point, BOARD_OUTPUT);

	if (pt == NULL)
		return -1;
	pt->queued = active;
	return 0;
}

/*
 * A fail-safe lock (maglock) holds while energised, so released means
 * de-energised; a fail-secure lock (strike) opens while energised.
 */
int
hal_lock_set(struct hal *h, int point, bool released)
{
	const struct board_point *bp = hal_point_info(h, point);

	if (bp == NULL || bp->kind != BOARD_OUTPUT ||
	    bp->lock == BOARD_LOCK_NONE) {
		errno = EINVAL;
		return -1;
	}
	return hal_output_set(h, point,
	    bp->lock == BOARD_LOCK_FAIL_SAFE ? !released : released);
}

/* Collect the points of backend b whose queued value needs writing. */
static int
hal_flush_collect(struct hal *h, int b, int *points, int *levels)
{
	const struct board_point *bp;
	struct hal_pt *pt;
	int i, n = 0, level;

	for (i = 0; i < h->board->npoints; i++) {
		bp = &h->board->points[i];
		pt = &h->pt[i];
		if (bp->backend != b || pt->queued < 0)
			continue;
		level = pt->queued ^ bp->active_low;
		/* Setting an output every loop round must not cost an I/O. */
		if (pt->queued == pt->out && pt->level == level) {
			pt->queued = -1;
			continue;
		}
		points[n] = i;
		levels[n++] = level;
	}
	return n;
}

/* Note how backend be's write of n points went; 0 or -1. */
static int
hal_flush_done(struct hal *h, struct hal_backend *be, const int *points,
    const int *levels, int n, int ok)
{
	int j;

	if (!ok) {
		log_warnx("backend %s: cannot write %d output(s)",
		    be->cfg->name, n);
		/*
		 * The backend may still hold these levels and write them
		 * later (a Modbus module that answers again), so what it
		 * will put on the wire is not known: the next value set
		 * must reach it even if it equals the last one written.
		 */
		for (j = 0; j < n; j++)
			h->pt[points[j]].out = -1;
		return -1;
	}
	for (j = 0; j < n; j++) {
		h->pt[points[j]].out = h->pt[points[j]].queued;
		h->pt[points[j]].level = levels[j];
		h->pt[points[j]].queued = -1;
	}
	return 0;
}

/*
 * Write everything queued, one write per backend.  Backends whose write
 * is a request and an answer (Modbus TCP) get every request sent before
 * any answer is awaited: a fire's locks on four modules cost one round
 * trip, not four.  The other backends (GPIO, the sim) write while those
 * requests travel.  What a backend failed to write stays queued, so the
 * next flush tries again.
 */
int
hal_flush(struct hal *h)
{
	int points[BOARD_POINTS_MAX], levels[BOARD_POINTS_MAX];
	int off[BOARD_BACKENDS_MAX], cnt[BOARD_BACKENDS_MAX], sent[BOARD_BACKENDS_MAX];
	struct hal_backend *be;
	int i, n, used = 0, rc = 0;

	for (i = 0; i < h->nbe; i++) {
		be = &h->be[i];
		off[i] = used;
		sent[i] = 0;
		cnt[i] = n = hal_flush_collect(h, i, points + used,
		    levels + used);
		if (n == 0)
			continue;
		used += n;
		if (be->ops->write_send == NULL)
			continue;
		if (be->ops->write_send(be, points + off[i], levels + off[i],
		    n) == 0)
			sent[i] = 1;
		else
			rc |= hal_flush_done(h, be, points + off[i],
			    levels + off[i], n, 0);
	}
	for (i = 0; i < h->nbe; i++) {
		be = &h->be[i];
		if (cnt[i] > 0 && be->ops->write_send == NULL)
			rc |= hal_flush_done(h, be, points + off[i],
			    levels + off[i], cnt[i], be->ops->write(be,
			    points + off[i], levels + off[i], cnt[i]) == 0);
	}
	for (i = 0; i < h->nbe; i++)
		if (sent[i])
			rc |= hal_flush_done(h, &h->be[i], points + off[i],
			    levels + off[i], cnt[i],
			    h->be[i].ops->write_wait(&h->be[i]) == 0);
	return rc;
}
