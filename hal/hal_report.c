/*
 * What backends report, turned into what the core hears: physical levels
 * become logical values, Wiegand bits become cards and keys, and only a
 * real change becomes an event.  The getters answer from the same state.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "hal_int.h"
#include "log.h"

/* The state of a point of the given kind, or NULL (errno EINVAL). */
struct hal_pt *
hal_pt_of(const struct hal *h, int point, enum board_kind kind)
{
	if (point < 0 || point >= h->board->npoints ||
	    h->board->points[point].kind != kind) {
		errno = EINVAL;
		return NULL;
	}
	return (struct hal_pt *)&h->pt[point];
}

/* The board the HAL was opened on, for backends to find their points. */
const struct board *
hal_board(const struct hal *h)
{
	return h->board;
}

/* The parameters as copied at open (defaults filled in). */
const struct hal_params *
hal_params(const struct hal *h)
{
	return &h->params;
}

/* Send one event of a point to the caller. */
void
hal_emit_point(struct hal *h, struct hal_event *ev, int point,
    uint64_t at_ms)
{
	const struct board_point *bp = &h->board->points[point];

	ev->point = point;
	ev->backend = h->board->backends[bp->backend].name;
	ev->at_ms = at_ms;
	if (h->cb != NULL)
		h->cb(h->arg, ev);
}

/* Tell the caller that backend i stopped (or started) answering. */
void
hal_emit_fault(struct hal *h, int i, const char *reason, uint64_t at_ms)
{
	struct hal_event ev = { .type = HAL_EV_FAULT, .point = -1,
	    .value = h->fault[i], .reason = reason, .at_ms = at_ms };

	ev.backend = h->board->backends[i].name;
	if (h->cb != NULL)
		h->cb(h->arg, &ev);
}

/*
 * A digital input's physical level.  At open it only sets the value the
 * core will read; afterwards a logical change is an event.  The first
 * level a backend learns after open (a Modbus module that answered late)
 * is a change from "unknown", so the core hears of it too.
 */
void
hal_report_input(struct hal *h, int point, int level, uint64_t at_ms)
{
	struct hal_pt *pt = hal_pt_of(h, point, BOARD_INPUT);
	struct hal_event ev = { .type = HAL_EV_INPUT };
	int v;

	if (pt == NULL) {
		log_warnx("hal: input report for point %d, not an input",
		    point);
		return;
	}
	v = (level != 0) ^ (h->board->points[point].active_low != 0);
	if (pt->in == v)
		return;
	pt->in = v;
	if (h->opening)
		return;
	ev.value = v;
	hal_emit_point(h, &ev, point, at_ms);
}

/* A supervised input's state; events as for hal_report_input(). */
void
hal_report_loop(struct hal *h, int point, enum hal_loop state,
    uint64_t at_ms)
{
	struct hal_pt *pt = hal_pt_of(h, point, BOARD_SUPERVISED);
	struct hal_event ev = { .type = HAL_EV_LOOP };

	if (pt == NULL || (unsigned)state > HAL_LOOP_SHORT) {
		log_warnx("hal: bad loop report for point %d", point);
		return;
	}
	if (pt->in == (int)state)
		return;
	pt->in = (int)state;
	if (h->opening)
		return;
	ev.value = (int)state;
	hal_emit_point(h, &ev, point, at_ms);
}

/* Judge a reader's frame at now_us and report what it was, if anything. */
void
hal_wiegand_poll(struct hal *h, int point, uint64_t now_us)
{
	struct hal_event ev = { .type = HAL_EV_BAD_FRAME };
	struct wiegand_result r;

	memset(&r, 0, sizeof(r));
	switch (wiegand_poll(&h->pt[point].wg, now_us, &r)) {
	case WIEGAND_NONE:
		return;
	case WIEGAND_CARD:
		ev.type = HAL_EV_CARD;
		ev.number = r.number;
		break;
	case WIEGAND_KEY:
		ev.type = HAL_EV_KEY;
		ev.value = r.key;
		break;
	case WIEGAND_BAD:
		ev.reason = r.reason;
		break;
	}
	ev.bits = r.bits;
	hal_emit_point(h, &ev, point, now_us / 1000u);
	/* The raw card number is not kept anywhere once delivered. */
	memset(&r, 0, sizeof(r));
	memset(&ev, 0, sizeof(ev));
}

/*
 * One Wiegand bit.  A bit that comes after the open frame's deadline
 * belongs to a new frame, so the old one is judged first whatever order
 * the loop's timers and file descriptors happen to run in.
 */
void
hal_report_wiegand_bit(struct hal *h, int point, int bit, uint64_t at_us)
{
	struct hal_pt *pt = hal_pt_of(h, point, BOARD_READER);
	uint64_t d;

	if (pt == NULL) {
		log_warnx("hal: Wiegand bit for point %d, not a reader",
		    point);
		return;
	}
	d = wiegand_deadline(&pt->wg);
	if (d != 0 && d <= at_us)
		hal_wiegand_poll(h, point, at_us);
	wiegand_bit(&pt->wg, bit != 0, at_us);
	reader_line_bit(&pt->rl, bit != 0);
}

/* A backend stops (fault=1) or starts (fault=0) answering. */
void
hal_report_fault(struct hal *h, struct hal_backend *be, int fault,
    const char *reason)
{
	int i = be->index;

	fault = fault != 0;
	if (h->fault[i] == fault)
		return;
	h->fault[i] = fault;
	snprintf(h->fault_reason[i], sizeof(h->fault_reason[i]), "%s",
	    reason != NULL ? reason : "");
	if (fault)
		log_warnx("backend %s: not answering: %s", be->cfg->name,
		    h->fault_reason[i]);
	else
		log_info("backend %s: answering again", be->cfg->name);
	if (h->opening) {
		h->announce = true;
		return;
	}
	hal_emit_fault(h, i, h->fault_reason[i], clock_mono_ms());
}

/* An output's physical level as found at open: known, but not written. */
void
hal_report_output(struct hal *h, int point, int level)
{
	struct hal_pt *pt = hal_pt_of(h, point, BOARD_OUTPUT);

	if (pt != NULL)
		pt->level = level != 0;
}

/* Last known logical value of an input (0/1) or supervised loop. */
int
hal_input_get(const struct hal *h, int point, int *value)
{
	const struct board_point *bp = hal_point_info(h, point);

	if (bp == NULL || (bp->kind != BOARD_INPUT &&
	    bp->kind != BOARD_SUPERVISED)) {
		errno = EINVAL;
		return -1;
	}
	if (h->pt[point].in < 0) {
		errno = ENODATA;
		return -1;
	}
	*value = h->pt[point].in;
	return 0;
}

/* Last written logical output value; -1 if never written. */
int
hal_output_get(const struct hal *h, int point, int *value)
{
	struct hal_pt *pt = hal_pt_of(h, point, BOARD_OUTPUT);

	if (pt == NULL)
		return -1;
	if (pt->out < 0) {
		errno = ENODATA;
		return -1;
	}
	*value = pt->out;
	return 0;
}

/* Whether a lock was last written released; -1 if never written. */
int
hal_lock_get(const struct hal *h, int point, bool *released)
{
	const struct board_point *bp = hal_point_info(h, point);
	int v;

	if (bp == NULL || bp->lock == BOARD_LOCK_NONE) {
		errno = EINVAL;
		return -1;
	}
	if (hal_output_get(h, point, &v) != 0)
		return -1;
	*released = bp->lock == BOARD_LOCK_FAIL_SAFE ? !v : v;
	return 0;
}

/*
 * Whether a lock is released on the wire as far as the HAL knows: the
 * level its backend found at open or the last one written.  -1 when the
 * backend cannot tell (a gpiod line not yet requested).
 */
int
hal_lock_wire(const struct hal *h, int point, bool *released)
{
	const struct board_point *bp = hal_point_info(h, point);
	int v;

	if (bp == NULL || bp->kind != BOARD_OUTPUT ||
	    bp->lock == BOARD_LOCK_NONE) {
		errno = EINVAL;
		return -1;
	}
	if (h->pt[point].level < 0) {
		errno = ENODATA;
		return -1;
	}
	v = h->pt[point].level ^ (bp->active_low != 0);
	*released = bp->lock == BOARD_LOCK_FAIL_SAFE ? !v : v;
	return 0;
}

/* 1 while a point's backend is in fault; 0 otherwise or if no point. */
int
hal_point_faulty(const struct hal *h, int point)
{
	const struct board_point *bp = hal_point_info(h, point);

	if (bp == NULL)
		return 0;
	return h->fault[bp->backend];
}
