/*
 * The gpiod backend: inputs, outputs and Wiegand readers on GPIO lines of
 * the Linux character device, through libgpiod v1.6 (Debian 12).  Every
 * libgpiod call of husvagt lives in this file and gpiod_event.c (the edge
 * events), so that a v2 backend can replace them without touching
 * anything else.
 *
 * Lines are found by name (the names the device tree gives them), within
 * the board's chip when it names one.  Inputs and reader lines are
 * requested for edge events at open; the kernel timestamps each edge, so
 * Wiegand bit times and debounce do not depend on how quickly the loop
 * comes round.  Outputs are requested only when first written, with the
 * written level as the request's default: requesting a line as an output
 * drives it, and a start or restart must never glitch a lock.
 *
 * This file's own names start with gpio_, keeping them apart from
 * libgpiod's gpiod_.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <gpiod.h>

#include "clock.h"
#include "debounce.h"
#include "gpiod_int.h"
#include "hal_backend.h"
#include "log.h"

/*
 * How many lines the backend's points need: two per reader.  The board
 * parser refuses supervised points on gpiod, so every point has lines.
 */
static int
gpio_count_pins(struct hal_backend *b)
{
	const struct board *bd = hal_board(b->hal);
	int i, n = 0;

	for (i = 0; i < bd->npoints; i++)
		if (bd->points[i].backend == b->index)
			n += bd->points[i].kind == BOARD_READER ? 2 : 1;
	return n;
}

/* Fill the pin table from the board; no line is touched yet. */
static void
gpio_fill_pins(struct hal_backend *b, struct gpio_priv *g)
{
	const struct board *bd = hal_board(b->hal);
	struct gpio_pin *pin = g->pins;
	int i;

	for (i = 0; i < bd->npoints; i++) {
		const struct board_point *p = &bd->points[i];

		if (p->backend != b->index)
			continue;
		pin->point = i;
		pin->name = p->line;
		pin->fd = -1;
		if (p->kind == BOARD_READER) {
			pin->kind = pin[1].kind = GPIO_PIN_WIEGAND;
			pin[1].point = i;
			pin[1].name = p->line_d1;
			pin[1].fd = -1;
			pin[1].bit = 1;
			pin++;
		} else
			pin->kind = p->kind == BOARD_OUTPUT ?
			    GPIO_PIN_OUTPUT : GPIO_PIN_INPUT;
		pin++;
	}
}

/* Find a pin's line by name, within the board's chip when it names one. */
static int
gpio_find_line(struct hal_backend *b, struct gpio_priv *g,
    struct gpio_pin *pin)
{
	errno = 0;
	if (g->chip != NULL)
		pin->line = gpiod_chip_find_line(g->chip, pin->name);
	else {
		pin->line = gpiod_line_find(pin->name);
		pin->own_chip = pin->line != NULL;
	}
	if (pin->line == NULL) {
		if (errno == 0)
			errno = ENOENT;
		log_warn("%s: line %s of %s", b->cfg->name, pin->name,
		    hal_board(b->hal)->points[pin->point].role);
		return -1;
	}
	return 0;
}

/*
 * The debounce time of the backend's inputs.  The board parser leaves an
 * unset debounce_ms at 0, and a contact without debounce is never what
 * an installer wants, so 0 means the default.
 */
static uint32_t
gpio_debounce_ms(const struct board_gpiod *cfg)
{
	if (cfg->debounce_ms <= 0)
		return GPIO_DEBOUNCE_MS;
	return (uint32_t)cfg->debounce_ms;
}

/*
 * Request an input or reader line for edge events and make its fd
 * non-blocking, so that dispatch can drain both lines of a reader when
 * either is readable.  Inputs report their level as found.
 */
static int
gpio_request_events(struct hal_backend *b, struct gpio_pin *pin)
{
	int rc, level;

	if (pin->kind == GPIO_PIN_WIEGAND)
		rc = gpiod_line_request_falling_edge_events(pin->line,
		    GPIO_CONSUMER);
	else
		rc = gpiod_line_request_both_edges_events(pin->line,
		    GPIO_CONSUMER);
	if (rc != 0) {
		log_warn("%s: request line %s", b->cfg->name, pin->name);
		return -1;
	}
	pin->requested = 1;
	pin->fd = gpiod_line_event_get_fd(pin->line);
	if (pin->fd < 0 || fcntl(pin->fd, F_SETFL, O_NONBLOCK) == -1) {
		log_warn("%s: event fd of line %s", b->cfg->name, pin->name);
		return -1;
	}
	if (pin->kind == GPIO_PIN_WIEGAND)
		return 0;
	if ((level = gpiod_line_get_value(pin->line)) < 0) {
		log_warn("%s: read line %s", b->cfg->name, pin->name);
		return -1;
	}
	debounce_init(&pin->db, level, gpio_debounce_ms(&b->cfg->conf.gpiod));
	hal_report_input(b->hal, pin->point, level, clock_mono_ms());
	return 0;
}

/*
 * An output is only looked at here: requesting it would drive it.  A line
 * held by another program is a wiring or configuration fault that must
 * stop the start rather than show up at the first door release.
 */
static int
gpio_check_output(struct hal_backend *b, struct gpio_pin *pin)
{
	if (gpiod_line_is_used(pin->line)) {
		errno = EBUSY;
		log_warnx("%s: output line %s is in use by '%s'", b->cfg->name,
		    pin->name, gpiod_line_consumer(pin->line) ?
		    gpiod_line_consumer(pin->line) : "the kernel");
		return -1;
	}
	return 0;
}

/* Release a pin's line and chip without writing anything. */
static void
gpio_pin_close(struct gpio_pin *pin)
{
	if (pin->line == NULL)
		return;
	if (pin->requested)
		gpiod_line_release(pin->line);
	if (pin->own_chip)
		gpiod_line_close_chip(pin->line);
	pin->line = NULL;
	pin->requested = 0;
	pin->fd = -1;
}

/* Release every line and chip; no output is written. */
static void
gpio_close(struct hal_backend *b)
{
	struct gpio_priv *g = b->priv;
	int i;

	if (g == NULL)
		return;
	for (i = 0; i < g->npins; i++)
		gpio_pin_close(&g->pins[i]);
	if (g->chip != NULL)
		gpiod_chip_close(g->chip);
	free(g->pins);
	free(g);
	b->priv = NULL;
}

/* Find, request (inputs) or check (outputs) one pin. */
static int
gpio_pin_open(struct hal_backend *b, struct gpio_priv *g,
    struct gpio_pin *pin)
{
	if (gpio_find_line(b, g, pin) != 0)
		return -1;
	if (pin->kind == GPIO_PIN_OUTPUT)
		return gpio_check_output(b, pin);
	return gpio_request_events(b, pin);
}

/*
 * Find every line, request the inputs and readers and read the inputs;
 * on any failure release what was taken.
 */
static int
gpio_open(struct hal_backend *b)
{
	struct gpio_priv *g;
	int i, n;

	n = gpio_count_pins(b);
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return -1;
	b->priv = g;
	if (n > 0 && (g->pins = calloc((size_t)n, sizeof(*g->pins))) == NULL)
		goto err;
	g->npins = n;
	gpio_fill_pins(b, g);
	if (b->cfg->conf.gpiod.chip[0] != '\0' &&
	    (g->chip = gpiod_chip_open_lookup(b->cfg->conf.gpiod.chip)) == NULL) {
		log_warn("%s: chip %s", b->cfg->name, b->cfg->conf.gpiod.chip);
		goto err;
	}
	for (i = 0; i < n; i++)
		if (gpio_pin_open(b, g, &g->pins[i]) != 0)
			goto err;
	log_info("%s: %d gpio line(s) ready", b->cfg->name, n);
	return 0;
err:
	n = errno;
	gpio_close(b);
	errno = n;
	return -1;
}

/* The event fds of the inputs and reader lines. */
static int
gpio_pollfds(struct hal_backend *b, struct pollfd *pfd, int max)
{
	struct gpio_priv *g = b->priv;
	int i, n = 0;

	for (i = 0; i < g->npins && n < max; i++) {
		if (g->pins[i].fd < 0)
			continue;
		pfd[n].fd = g->pins[i].fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

/* The pin whose event fd is fd, or NULL. */
static struct gpio_pin *
gpio_pin_by_fd(struct gpio_priv *g, int fd)
{
	int i;

	for (i = 0; i < g->npins; i++)
		if (g->pins[i].fd == fd)
			return &g->pins[i];
	return NULL;
}

/* Read the edges of every line whose fd is readable. */
static void
gpio_dispatch(struct hal_backend *b, const struct pollfd *pfd, int n)
{
	struct gpio_priv *g = b->priv;
	struct gpio_pin *pin;
	uint64_t now_us = clock_mono_us();
	int i;

	g->round++;
	for (i = 0; i < n; i++) {
		if ((pfd[i].revents & (POLLIN | POLLERR)) == 0)
			continue;
		if ((pin = gpio_pin_by_fd(g, pfd[i].fd)) == NULL)
			continue;
		if (pin->kind == GPIO_PIN_INPUT)
			gpio_input_events(b, pin, now_us);
		else if (pin->seen != g->round)
			gpio_reader_events(b, g, pin, now_us);
	}
}

/* The earliest time an input's debounce settles; 0 when none is pending. */
static uint64_t
gpio_deadline(struct hal_backend *b)
{
	struct gpio_priv *g = b->priv;
	uint64_t d, min = 0;
	int i;

	for (i = 0; i < g->npins; i++) {
		if (g->pins[i].kind != GPIO_PIN_INPUT)
			continue;
		d = debounce_deadline(&g->pins[i].db);
		if (d != 0 && (min == 0 || d < min))
			min = d;
	}
	return min;
}

/*
 * Accept inputs that have settled.  The line is read once more first: the
 * kernel keeps only 16 edges per line, and a level built from a queue that
 * overflowed could be wrong, so a disagreeing line starts settling again.
 */
static void
gpio_tick(struct hal_backend *b, uint64_t now_ms)
{
	struct gpio_priv *g = b->priv;
	struct gpio_pin *pin;
	uint64_t d, at;
	int i, level;

	for (i = 0; i < g->npins; i++) {
		pin = &g->pins[i];
		if (pin->kind != GPIO_PIN_INPUT)
			continue;
		d = debounce_deadline(&pin->db);
		if (d == 0 || d > now_ms)
			continue;
		level = gpiod_line_get_value(pin->line);
		if (level >= 0 && level != pin->db.raw) {
			debounce_edge(&pin->db, level, now_ms);
			continue;
		}
		if (debounce_poll(&pin->db, now_ms, &level, &at))
			hal_report_input(b->hal, pin->point, level, at);
	}
}

/* The output pin of point, or NULL. */
static struct gpio_pin *
gpio_output_pin(struct gpio_priv *g, int point)
{
	int i;

	for (i = 0; i < g->npins; i++)
		if (g->pins[i].kind == GPIO_PIN_OUTPUT &&
		    g->pins[i].point == point)
			return &g->pins[i];
	return NULL;
}

/*
 * Drive one output.  The first write requests the line with the level as
 * its default, so the line goes straight to that level.
 */
static int
gpio_drive(struct hal_backend *b, struct gpio_pin *pin, int level)
{
	if (pin->requested) {
		if (gpiod_line_set_value(pin->line, level) == 0)
			return 0;
		log_warn("%s: set line %s", b->cfg->name, pin->name);
		return -1;
	}
	if (gpiod_line_request_output(pin->line, GPIO_CONSUMER, level) != 0) {
		log_warn("%s: request output line %s", b->cfg->name,
		    pin->name);
		return -1;
	}
	pin->requested = 1;
	return 0;
}

/* Drive each output; a line that fails does not stop the others. */
static int
gpio_write(struct hal_backend *b, const int *points, const int *levels,
    int n)
{
	struct gpio_priv *g = b->priv;
	struct gpio_pin *pin;
	int i, rc = 0;

	for (i = 0; i < n; i++) {
		if ((pin = gpio_output_pin(g, points[i])) == NULL) {
			log_warnx("%s: point %d is not an output here",
			    b->cfg->name, points[i]);
			errno = EINVAL;
			rc = -1;
		} else if (gpio_drive(b, pin, levels[i] != 0) != 0)
			rc = -1;
	}
	return rc;
}

/*
 * Which of a reader's data lines read low (bit 0 D0, bit 1 D1), for line
 * supervision; -1 when a line cannot be read.  A line requested for
 * events reads its value through the same request.
 */
static int
gpio_reader_lines(struct hal_backend *b, int point)
{
	struct gpio_priv *g = b->priv;
	int i, v, low = 0;

	for (i = 0; i < g->npins; i++) {
		if (g->pins[i].kind != GPIO_PIN_WIEGAND ||
		    g->pins[i].point != point)
			continue;
		if (!g->pins[i].requested ||
		    (v = gpiod_line_get_value(g->pins[i].line)) < 0)
			return -1;
		if (v == 0)
			low |= 1 << g->pins[i].bit;
	}
	return low;
}

const struct hal_backend_ops hal_gpiod_ops = {
	.type = "gpiod",
	.open = gpio_open,
	.close = gpio_close,
	.pollfds = gpio_pollfds,
	.dispatch = gpio_dispatch,
	.deadline = gpio_deadline,
	.tick = gpio_tick,
	.write = gpio_write,
	.reader_lines = gpio_reader_lines,
};
