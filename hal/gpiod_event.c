/*
 * The gpiod backend's edge events (see gpiod.c): read from the kernel's
 * queue with their kernel timestamps, fed to an input's debounce or to a
 * reader's Wiegand decoder.
 */
#include <errno.h>
#include <stdint.h>

#include <gpiod.h>

#include "debounce.h"
#include "gpiod_int.h"
#include "hal_backend.h"
#include "log.h"

/*
 * An event's kernel time in microseconds.  v1 events carry
 * CLOCK_MONOTONIC on kernels since 5.7; a stamp far from now (an older
 * kernel's wall time) would stall debounce for ever, so now is used then.
 */
static uint64_t
gpio_event_us(const struct gpiod_line_event *ev, uint64_t now_us)
{
	uint64_t us = (uint64_t)ev->ts.tv_sec * 1000000u +
	    (uint64_t)ev->ts.tv_nsec / 1000u;

	if (us > now_us + 1000000u || us + 60000000u < now_us)
		return now_us;
	return us;
}

/* Read what is queued on a pin; returns the number of events. */
static int
gpio_read_events(struct hal_backend *b, struct gpio_pin *pin,
    struct gpiod_line_event *ev)
{
	int n;

	n = gpiod_line_event_read_fd_multiple(pin->fd, ev, GPIO_EVENTS_MAX);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		log_warn("%s: read events of line %s", b->cfg->name,
		    pin->name);
	if (n == GPIO_EVENTS_MAX)
		log_debug("%s: line %s: event queue was full", b->cfg->name,
		    pin->name);
	return n < 0 ? 0 : n;
}

/* Feed an input's edges to its debounce. */
void
gpio_input_events(struct hal_backend *b, struct gpio_pin *pin,
    uint64_t now_us)
{
	struct gpiod_line_event ev[GPIO_EVENTS_MAX];
	uint64_t at_ms;
	int i, n, level;

	n = gpio_read_events(b, pin, ev);
	for (i = 0; i < n; i++) {
		level = ev[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
		at_ms = gpio_event_us(&ev[i], now_us) / 1000u;
		if (debounce_edge(&pin->db, level, at_ms))
			hal_report_input(b->hal, pin->point, level, at_ms);
	}
}

/*
 * Report a reader's bits from both its lines in the order they arrived.
 * Both queues are drained together: taken one line after the other, bits
 * queued while the loop was busy would come out of order.
 */
void
gpio_reader_events(struct hal_backend *b, struct gpio_priv *g,
    struct gpio_pin *pin, uint64_t now_us)
{
	struct gpiod_line_event ev[2][GPIO_EVENTS_MAX];
	struct gpio_pin *pp = pin->bit ? pin - 1 : pin;	/* D0, then D1 */
	uint64_t t[2];
	int n[2], k[2] = { 0, 0 }, j;

	for (j = 0; j < 2; j++) {
		pp[j].seen = g->round;
		n[j] = gpio_read_events(b, &pp[j], ev[j]);
	}
	while (k[0] < n[0] || k[1] < n[1]) {
		for (j = 0; j < 2; j++)
			t[j] = k[j] < n[j] ?
			    gpio_event_us(&ev[j][k[j]], now_us) : UINT64_MAX;
		j = t[1] < t[0];
		hal_report_wiegand_bit(b->hal, pin->point, j, t[j]);
		k[j]++;
	}
}
