/*
 * Shared by the gpiod backend's files (gpiod.c, gpiod_event.c).
 */
#ifndef HUSVAGT_GPIOD_INT_H
#define HUSVAGT_GPIOD_INT_H

#include <stdint.h>

#include <gpiod.h>

#include "debounce.h"
#include "hal_backend.h"

#define GPIO_CONSUMER		"husvagt"
#define GPIO_DEBOUNCE_MS	20	/* when the board does not say */
#define GPIO_EVENTS_MAX	16	/* the v1 kernel queue per line */

enum gpio_pin_kind {
	GPIO_PIN_INPUT,
	GPIO_PIN_WIEGAND,	/* one of a reader's two data lines */
	GPIO_PIN_OUTPUT,
};

/* One line.  A reader has two pins: D0, then D1 right after it. */
struct gpio_pin {
	enum gpio_pin_kind	 kind;
	int			 point;
	int			 bit;		/* Wiegand: 0 D0, 1 D1 */
	const char		*name;
	struct gpiod_line	*line;
	int			 own_chip;	/* by gpiod_line_find */
	int			 fd;		/* events; -1 if none */
	int			 requested;
	unsigned		 seen;		/* round last read */
	struct debounce		 db;
};

struct gpio_priv {
	struct gpiod_chip	*chip;		/* the board's, if named */
	struct gpio_pin		*pins;
	int			 npins;
	unsigned		 round;		/* dispatch rounds */
};

/* gpiod_event.c */
/* Feed an input's edges to its debounce. */
void	 gpio_input_events(struct hal_backend *, struct gpio_pin *,
	     uint64_t now_us);
/* Report a reader's bits from both its lines in the order they arrived. */
void	 gpio_reader_events(struct hal_backend *, struct gpio_priv *,
	     struct gpio_pin *, uint64_t now_us);

#endif
