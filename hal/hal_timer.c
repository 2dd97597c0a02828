/*
 * The end of a Wiegand frame, to the microsecond.  The loop's timers run
 * in milliseconds, and a frame's end is judged a gap of two bit
 * intervals after its last bit (2 ms at 1 ms intervals): a poll() timeout
 * rounded up to the next millisecond would add up to a whole interval.
 * So the HAL keeps a timerfd of its own, armed at the earliest frame
 * deadline each time the loop asks for its descriptors, and judges the
 * frames when it fires.  Without a timerfd (or without room for it in
 * the loop's set) hal_deadline's milliseconds still end every frame,
 * only later.
 */
#include <errno.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "hal_int.h"
#include "log.h"

void
hal_timer_open(struct hal *h)
{
	h->wg_timer = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC);
	h->wg_armed_us = 0;
	if (h->wg_timer == -1)
		log_warn("hal: timerfd (Wiegand frames end to the ms)");
}

void
hal_timer_close(struct hal *h)
{
	if (h->wg_timer >= 0)
		close(h->wg_timer);
	h->wg_timer = -1;
}

/* The earliest Wiegand deadline of every reader, in us; 0: none. */
static uint64_t
hal_timer_next(const struct hal *h)
{
	uint64_t t = 0, d;
	int i;

	for (i = 0; i < h->board->npoints; i++) {
		if (h->board->points[i].kind != BOARD_READER)
			continue;
		d = wiegand_deadline(&h->pt[i].wg);
		if (d != 0 && (t == 0 || d < t))
			t = d;
	}
	return t;
}

int
hal_timerfd_arm(int fd, uint64_t *armed_us, uint64_t at_us)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (at_us == *armed_us)
		return 0;
	if (at_us != 0) {
		its.it_value.tv_sec = (time_t)(at_us / 1000000u);
		its.it_value.tv_nsec = (long)(at_us % 1000000u) * 1000;
	}
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		return -1;
	*armed_us = at_us;
	return 0;
}

/* Arm (or disarm) the timer at at_us, absolute; only when it changes. */
static void
hal_timer_arm(struct hal *h, uint64_t at_us)
{
	if (hal_timerfd_arm(h->wg_timer, &h->wg_armed_us, at_us) == -1)
		log_warn("hal: timerfd_settime");
}

int
hal_timer_pollfd(struct hal *h, struct pollfd *pfd)
{
	if (h->wg_timer < 0)
		return 0;
	hal_timer_arm(h, hal_timer_next(h));
	*pfd = (struct pollfd){ .fd = h->wg_timer, .events = POLLIN };
	return 1;
}

/*
 * The timer fired: judge every frame that is due now.  Backends run
 * their ticks first, so that bits already due are reported before a
 * frame is judged without them.
 */
void
hal_timer_dispatch(struct hal *h, const struct pollfd *pfd)
{
	uint64_t expired, now_us;
	int i;

	if (!(pfd->revents & POLLIN) ||
	    read(h->wg_timer, &expired, sizeof(expired)) != sizeof(expired))
		return;
	h->wg_armed_us = 0;
	now_us = clock_mono_us();
	for (i = 0; i < h->nbe; i++)
		if (h->be[i].ops->tick != NULL)
			h->be[i].ops->tick(&h->be[i], now_us / 1000u);
	for (i = 0; i < h->board->npoints; i++) {
		uint64_t d;

		if (h->board->points[i].kind != BOARD_READER)
			continue;
		d = wiegand_deadline(&h->pt[i].wg);
		if (d != 0 && d <= now_us)
			hal_wiegand_poll(h, i, now_us);
	}
}
