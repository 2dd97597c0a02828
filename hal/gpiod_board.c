/*
 * A gpiod backend's own board keys: which chip (else lines are found by
 * name on every chip) and how long an input must settle.
 */
#include "board_parse.h"
#include "hal_backend.h"

enum gpiod_key { GK_CHIP, GK_DEBOUNCE, GK_N };

static const char *const gpiod_keys[GK_N] = { "chip", "debounce_ms" };

/* Parse key k of a [backend] section of type gpiod. */
static int
gpiod_board_parse(struct board_parse *p, struct board_backend *be, int k,
    const char *value, int line)
{
	struct board_gpiod *c = &be->conf.gpiod;

	if (k == GK_CHIP)
		return board_str(p, line, gpiod_keys[k], value, c->chip,
		    sizeof(c->chip));
	return board_int(p, line, gpiod_keys[k], value, 0, 1000,
	    &c->debounce_ms);
}

/* A gpiod backend's keys stand alone: nothing to check across them. */
static void
gpiod_board_check(struct board_parse *p, int i, const int *lines)
{
	(void)p;
	(void)i;
	(void)lines;
}

/* Supervised loops need an analogue input, which a GPIO line is not. */
const struct board_keys gpiod_board_keys = {
	.keys = gpiod_keys,
	.nkeys = GK_N,
	.wires = BOARD_WIRES_PINS,
	.kinds = 1u << BOARD_INPUT | 1u << BOARD_OUTPUT | 1u << BOARD_READER,
	.parse = gpiod_board_parse,
	.check = gpiod_board_check,
};
