/*
 * Reader line supervision, the HAL's side of reader_line.h: every
 * READER_LINE_CHECK_MS the data lines of each reader whose backend can
 * read them are sampled, and a reader going into or out of fault is a
 * HAL_EV_FAULT of its point.  Wiegand has no way back to the controller,
 * so a line held low is the one sign of a reader that can no longer be
 * heard that the wires themselves give.
 */
#include "clock.h"
#include "hal_int.h"
#include "log.h"

/* The backend of a reader point if it can read the reader's lines. */
static struct hal_backend *
hal_lines_backend(struct hal *h, int point)
{
	const struct board_point *bp = &h->board->points[point];
	struct hal_backend *be;

	if (bp->kind != BOARD_READER || bp->backend >= h->nbe)
		return NULL;
	be = &h->be[bp->backend];
	return be->ops->reader_lines != NULL ? be : NULL;
}

/* The first sample is one interval after open, when the lines settled. */
void
hal_lines_start(struct hal *h)
{
	int i;

	for (i = 0; i < h->board->npoints; i++)
		if (hal_lines_backend(h, i) != NULL) {
			h->lines_at = clock_mono_ms() + READER_LINE_CHECK_MS;
			return;
		}
}

/* Sample one reader's lines; report it going into or out of fault. */
static void
hal_lines_sample(struct hal *h, struct hal_backend *be, int point,
    uint64_t now_ms)
{
	struct hal_pt *pt = &h->pt[point];
	struct hal_event ev = { .type = HAL_EV_FAULT };
	int low = be->ops->reader_lines(be, point);

	if (low < 0 || !reader_line_sample(&pt->rl, (unsigned)low, now_ms))
		return;
	ev.value = reader_line_fault(&pt->rl);
	ev.reason = ev.value ? reader_line_reason(&pt->rl) : "";
	if (ev.value)
		log_warnx("reader %s: %s: it cannot be heard",
		    h->board->points[point].role, ev.reason);
	else
		log_info("reader %s: lines back to idle",
		    h->board->points[point].role);
	hal_emit_point(h, &ev, point, now_ms);
}

void
hal_lines_tick(struct hal *h, uint64_t now_ms)
{
	struct hal_backend *be;
	int i;

	if (h->lines_at == 0 || now_ms < h->lines_at)
		return;
	h->lines_at = now_ms + READER_LINE_CHECK_MS;
	for (i = 0; i < h->board->npoints; i++)
		if ((be = hal_lines_backend(h, i)) != NULL)
			hal_lines_sample(h, be, i, now_ms);
}
