/*
 * The hardware abstraction layer: the one interface between husvagt's core
 * and the wires.  The core speaks of points by index (found by role name);
 * it sets logical outputs ("lock released", "siren on") and receives
 * logical events ("contact opened", "card read").  Which backend drives a
 * wire, whether it is active-low, and whether a lock is fail-safe is board
 * data and stays in here.
 *
 * The HAL never owns the loop: it hands out file descriptors and a
 * deadline, and the caller's poll loop calls back into it.
 *
 * Outputs are not touched while the HAL opens or closes.  An output is
 * first driven when the core first sets it (gpiod requests the line with
 * that value as its default), so that a restart does not glitch a lock.
 */
#ifndef HUSVAGT_HAL_H
#define HUSVAGT_HAL_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "board.h"

enum hal_loop {
	HAL_LOOP_NORMAL,	/* supervised loop intact, contact at rest */
	HAL_LOOP_ACTIVE,	/* contact operated (fire, panic pressed) */
	HAL_LOOP_CUT,		/* wire cut: tamper */
	HAL_LOOP_SHORT,		/* wire shorted: tamper */
};

enum hal_event_type {
	HAL_EV_INPUT,		/* digital input: value = logical 0/1 */
	HAL_EV_LOOP,		/* supervised input: value = enum hal_loop */
	HAL_EV_CARD,		/* reader: bits = format, number = payload */
	HAL_EV_KEY,		/* reader keypad: value 0-9, 10 '*', 11 '#' */
	HAL_EV_BAD_FRAME,	/* reader: rejected frame; reason, bits */
	HAL_EV_FAULT,		/* value 1 = not answering, 0 = back: a
				   backend (point -1), or a reader whose
				   data lines are held low, that is silent,
				   tampered or refused (its point) */
	HAL_EV_READER,		/* an OSDP reader's news: value = enum
				   hal_reader_note, reason = text */
};

enum hal_reader_note {
	HAL_READER_IDENTIFIED,	/* reason: vendor, model, serial, caps */
	HAL_READER_SECURE,	/* the Secure Channel is up */
	HAL_READER_KEY_SET,	/* the key given to hal_reader_install is
				   now the reader's */
	HAL_READER_INSTALL_FAILED, /* the install window closed without */
};

/* What a reader shows its user after a decision. */
enum hal_signal {
	HAL_SIGNAL_GRANT,	/* green, one short beep */
	HAL_SIGNAL_DENY,	/* red, three beeps */
	HAL_SIGNAL_WAIT,	/* amber blinking: staff are being asked */
};

struct hal_event {
	enum hal_event_type type;
	int		 point;		/* board point; -1 for a backend */
	const char	*backend;	/* backend name (faults) */
	int		 value;
	int		 bits;
	uint64_t	 number;	/* raw card payload: never store it */
	const char	*reason;	/* bad frames, faults */
	uint64_t	 at_ms;		/* CLOCK_MONOTONIC */
};

typedef void hal_event_cb(void *arg, const struct hal_event *);

struct hal_params {
	const char	*state_dir;	/* sim: where the wires persist */
	const char	*sim_socket;	/* sim: driver socket path */
	int		 wiegand_timeout_ms;	/* give up on a frame (default 50) */
};

struct hal;

/*
 * Open every backend of the board and read the current inputs; no output
 * changes.  Events go to cb.  Returns NULL with errno set and the reason
 * logged.  The board must outlive the HAL.  Free with hal_close().
 */
struct hal *hal_open(const struct board *, const struct hal_params *,
    hal_event_cb *cb, void *arg);
/* Close every backend, leaving outputs as they are. */
void hal_close(struct hal *);

/* Fill up to max pollfds; returns how many were used. */
int hal_pollfds(struct hal *, struct pollfd *, int max);
/* Handle the revents of the pollfds hal_pollfds() filled. */
void hal_dispatch(struct hal *, const struct pollfd *, int n);
/* The earliest CLOCK_MONOTONIC ms at which hal_tick() has work; 0: none. */
uint64_t hal_deadline(struct hal *);
/* Run timers: Modbus polls, Wiegand end of frame, debounce. */
void hal_tick(struct hal *, uint64_t now_ms);

/* The point of role on this board, or -1. */
int hal_point(const struct hal *, const char *role);
const struct board_point *hal_point_info(const struct hal *, int point);

/*
 * Queue a logical output value; hal_flush() writes everything queued, one
 * write per backend where the wire allows (one Modbus request per module).
 */
int hal_output_set(struct hal *, int point, bool active);
/* For lock outputs: released=true releases whatever the lock type. */
int hal_lock_set(struct hal *, int point, bool released);
int hal_flush(struct hal *);

/* Last known logical value of an input (0/1) or supervised loop. */
int hal_input_get(const struct hal *, int point, int *value);
/* Last written logical output value; -1 if never written. */
int hal_output_get(const struct hal *, int point, int *value);
/* For lock outputs: whether last written released; -1 if never written. */
int hal_lock_get(const struct hal *, int point, bool *released);
/* For lock outputs: whether released on the wire as found at open or last
 * written; -1 if the backend cannot tell. */
int hal_lock_wire(const struct hal *, int point, bool *released);
/* 1 while a point's backend is in fault. */
int hal_point_faulty(const struct hal *, int point);

/*
 * Readers that can answer back (OSDP).  Each returns 0, or -1 with errno
 * ENOTSUP when the reader's backend cannot, EINVAL for no such reader.
 */
/* Show a decision at the reader (LED, buzzer). */
int hal_reader_signal(struct hal *, int point, enum hal_signal);
/*
 * The reader's Secure Channel base key (16 bytes), or NULL for none.  A
 * reader with a key is enforced: it is served only under the Secure
 * Channel.  The HAL keeps a copy and wipes it at close.
 */
int hal_reader_key(struct hal *, int point, const uint8_t *key);
/*
 * Open an install window until until_ms (CLOCK_MONOTONIC): the reader is
 * set up with the default install key (or its current key) and given
 * key with osdp_KEYSET; HAL_EV_READER tells KEY_SET or INSTALL_FAILED.
 */
int hal_reader_install(struct hal *, int point, const uint8_t *key,
    uint64_t until_ms);

#endif
