/*
 * What a HAL backend implements.  Each backend is a const table of these
 * operations plus an exported descriptor listed in hal.c; the board file
 * names one by type.  Backends report *physical* levels; hal.c applies
 * active-low, lock type and Wiegand decoding, so each of those lives in
 * one place.
 */
#ifndef HUSVAGT_HAL_BACKEND_H
#define HUSVAGT_HAL_BACKEND_H

#include "hal.h"

struct hal_backend;
struct board_keys;

struct hal_backend_ops {
	const char *type;
	/* Open the wires and read the inputs; must not write any output. */
	int	 (*open)(struct hal_backend *);
	/* Release everything; must not write any output. */
	void	 (*close)(struct hal_backend *);
	int	 (*pollfds)(struct hal_backend *, struct pollfd *, int max);
	void	 (*dispatch)(struct hal_backend *, const struct pollfd *, int n);
	uint64_t (*deadline)(struct hal_backend *);
	void	 (*tick)(struct hal_backend *, uint64_t now_ms);
	/* Write physical levels of n output points, in as few I/Os as possible. */
	int	 (*write)(struct hal_backend *, const int *points,
		     const int *levels, int n);
	/*
	 * Optional, for a write that is a request and an answer: send it
	 * and return without the answer (0, or -1 as write), then wait for
	 * the answer in write_wait (0 or -1).  hal_flush sends every
	 * backend's request before it waits for any, so that writing k
	 * modules costs about one round trip, not k.
	 */
	int	 (*write_send)(struct hal_backend *, const int *points,
		     const int *levels, int n);
	int	 (*write_wait)(struct hal_backend *);
	/* Optional: which of a reader's data lines read low now (bit 0 D0,
	 * bit 1 D1), or -1 when they cannot be read. */
	int	 (*reader_lines)(struct hal_backend *, int point);
	/* Optional, readers that answer back: see hal_reader_signal(),
	 * hal_reader_key() and hal_reader_install() in hal.h. */
	int	 (*reader_signal)(struct hal_backend *, int point,
		     enum hal_signal);
	int	 (*reader_key)(struct hal_backend *, int point,
		     const uint8_t *key);
	int	 (*reader_install)(struct hal_backend *, int point,
		     const uint8_t *key, uint64_t until_ms);
};

struct hal_backend {
	const struct hal_backend_ops	*ops;
	const struct board_backend	*cfg;
	int				 index;	/* in board.backends */
	struct hal			*hal;
	void				*priv;
};

extern const struct hal_backend_ops hal_sim_ops;
extern const struct hal_backend_ops hal_gpiod_ops;
extern const struct hal_backend_ops hal_modbus_ops;
extern const struct hal_backend_ops hal_osdp_ops;

/* Each backend's own [backend] keys and what its points may be
 * (board_parse.h), in its <type>_board.c. */
extern const struct board_keys sim_board_keys;
extern const struct board_keys gpiod_board_keys;
extern const struct board_keys modbus_board_keys;
extern const struct board_keys osdp_board_keys;

/* A type a board may name: its operations and its board keys. */
struct hal_backend_type {
	const struct hal_backend_ops	*ops;
	const struct board_keys		*board;
};

/* The i-th backend type a board may name, or NULL past the last. */
const struct hal_backend_type *hal_backend_type(size_t i);

/* Services hal.c offers its backends. */
const struct board *hal_board(const struct hal *);
const struct hal_params *hal_params(const struct hal *);
/* A digital input's physical level, at open (initial) or on an edge. */
void hal_report_input(struct hal *, int point, int level, uint64_t at_ms);
/* A supervised input's state. */
void hal_report_loop(struct hal *, int point, enum hal_loop, uint64_t at_ms);
/* One Wiegand bit (0 on D0, 1 on D1) on a reader, timestamped in us. */
void hal_report_wiegand_bit(struct hal *, int point, int bit, uint64_t at_us);
/*
 * A card read as its raw bits (first bit the most significant of bits[0]):
 * judged by the Wiegand decoder's formats and parity, so it becomes the
 * same card event as the same card on Wiegand lines.
 */
void hal_report_card(struct hal *, int point, const uint8_t *bits, int nbits,
    uint64_t at_ms);
/* A key pressed at a reader: 0-9, 10 '*', 11 '#'. */
void hal_report_key(struct hal *, int point, int key, uint64_t at_ms);
/* A reader point goes into fault (reason) or out of it (fault=0). */
void hal_report_reader_fault(struct hal *, int point, int fault,
    const char *reason, uint64_t at_ms);
/* A reader's news (HAL_EV_READER). */
void hal_report_reader_note(struct hal *, int point, enum hal_reader_note,
    const char *text, uint64_t at_ms);
/* A backend stops (fault=1) or starts (fault=0) answering. */
/* Arm timerfd fd at at_us (CLOCK_MONOTONIC, absolute; 0 disarms) unless
 * *armed_us says it is armed there already; 0 or -1 (errno). */
int hal_timerfd_arm(int fd, uint64_t *armed_us, uint64_t at_us);
void hal_report_fault(struct hal *, struct hal_backend *, int fault,
    const char *reason);
/* An output's physical level as found at open (not a write). */
void hal_report_output(struct hal *, int point, int level);

#endif
