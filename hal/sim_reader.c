/*
 * Wiegand frames on simulated reader lines.  A frame is sent in one go,
 * its bits stamped at the interval a real reader uses and ending now, as
 * if the loop had just read them.  Frames that follow one another (the
 * keys of a PIN) wait in a queue until the silence before them has really
 * passed, so that the decoder sees each frame end before the next begins,
 * exactly as it would on a wire.
 */
#include <errno.h>

#include "clock.h"
#include "sim_int.h"

/* When the head frame may go out without overlapping the last; 0: now. */
static uint64_t
sim_reader_ready(const struct sim_queue *q)
{
	const struct sim_frame *f = &q->q[q->head];

	if (q->last_us == 0)
		return 0;
	return q->last_us + f->gap_us + (uint64_t)(f->n - 1) * f->interval_us;
}

/* Report every bit of f to the HAL, the last one at now_us. */
static void
sim_reader_emit(struct sim *s, int point, const struct sim_frame *f,
    uint64_t now_us)
{
	uint64_t span = (uint64_t)(f->n - 1) * f->interval_us, t;
	int i;

	if (span > now_us)
		span = now_us;
	for (i = 0; i < f->n; i++) {
		/* A line held low cannot pulse: its bits are lost. */
		if (s->w[point].level & (1 << (f->bits[i] != 0)))
			continue;
		t = now_us - span + (uint64_t)i * f->interval_us;
		hal_report_wiegand_bit(s->hal, point, f->bits[i],
		    t < now_us ? t : now_us);
	}
}

/* Send every frame of a reader whose silence before it has passed. */
static void
sim_reader_pump(struct sim *s, int point, uint64_t now_us)
{
	struct sim_queue *q = s->w[point].queue;

	while (q->count > 0 && sim_reader_ready(q) <= now_us) {
		sim_reader_emit(s, point, &q->q[q->head], now_us);
		q->last_us = now_us;
		q->head = (q->head + 1) % SIM_FRAMES_MAX;
		q->count--;
	}
}

/*
 * Queue n frames on a reader and send what may go now; *queued tells
 * whether some wait.  All or nothing: -1 with EBUSY when they do not fit.
 */
int
sim_reader_send(struct sim *s, int point, const struct sim_frame *f, int n,
    bool *queued)
{
	struct sim_queue *q = s->w[point].queue;
	int i;

	if (q == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (q->count + n > SIM_FRAMES_MAX) {
		errno = EBUSY;
		return -1;
	}
	for (i = 0; i < n; i++)
		q->q[(q->head + q->count++) % SIM_FRAMES_MAX] = f[i];
	sim_reader_pump(s, point, clock_mono_us());
	*queued = q->count > 0;
	return 0;
}

/* The earliest ms at which a waiting frame may go; 0 when none waits. */
uint64_t
sim_reader_deadline(struct sim *s)
{
	uint64_t d = 0, t;
	int i;

	for (i = 0; i < s->board->npoints; i++) {
		if (s->w[i].queue == NULL || s->w[i].queue->count == 0)
			continue;
		t = (sim_reader_ready(s->w[i].queue) + 999) / 1000;
		if (t == 0)
			t = 1;
		if (d == 0 || t < d)
			d = t;
	}
	return d;
}

/* Send whatever is due on every reader. */
void
sim_reader_tick(struct sim *s)
{
	uint64_t now = clock_mono_us();
	int i;

	for (i = 0; i < s->board->npoints; i++)
		if (s->w[i].queue != NULL && s->w[i].queue->count > 0)
			sim_reader_pump(s, i, now);
}
