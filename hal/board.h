/*
 * A board file, parsed: which backends drive which wires, and which role
 * (a name the core understands, such as "front.lock" or "fire") each wire
 * plays.  The board is data; nothing here touches a wire.
 *
 * Board file format (INI):
 *
 *   [board]
 *   name = rpi4-hat
 *
 *   [backend gpio]          ; one section per backend
 *   type = gpiod            ; sim | gpiod | modbus
 *   chip = gpiochip0        ; gpiod: optional, else lines are found by name
 *   debounce_ms = 20
 *
 *   [backend floor1]
 *   type = modbus
 *   transport = tcp         ; tcp | rtu
 *   host = 192.168.50.11    ; tcp
 *   port = 502
 *   device = /dev/ttyUSB0   ; rtu
 *   baud = 19200
 *   parity = N              ; N | E | O
 *   unit = 1
 *   poll_ms = 100
 *   timeout_ms = 50
 *
 *   [backend bus1]          ; OSDP readers on an RS-485 line
 *   type = osdp
 *   device = /dev/ttyUSB0
 *   baud = 115200           ; 9600 ... 115200
 *   timeout_ms = 200        ; a reply's deadline
 *   offline_ms = 1000       ; silent this long: offline
 *   poll_ms = 0             ; pause after a round with nothing to say
 *
 *   [point front.lock]      ; one section per role
 *   backend = gpio
 *   kind = output           ; input | output | supervised | reader
 *   line = RELAY1           ; gpiod/sim line name
 *   coil = 3                ; modbus output, or
 *   input = 3               ; modbus discrete input, or
 *   register = 0            ; modbus input register (supervised)
 *   active = low            ; high (default) | low
 *   lock = fail-safe        ; outputs driving a lock: fail-safe | fail-secure
 *   d0 = WG1_D0             ; readers: the two Wiegand lines
 *   d1 = WG1_D1
 *   address = 1             ; OSDP readers: the reader's bus address
 *   loop = 1000,3000,6000   ; supervised: short below, normal up to,
 *                           ; active up to, cut above (raw units)
 */
#ifndef HUSVAGT_BOARD_H
#define HUSVAGT_BOARD_H

#include "diag.h"

#define BOARD_NAME_MAX		64
#define BOARD_BACKENDS_MAX	16
#define BOARD_POINTS_MAX	256

enum board_kind {
	BOARD_INPUT,		/* a digital input: contact, REX, button */
	BOARD_OUTPUT,		/* a digital output: lock, siren, relay */
	BOARD_SUPERVISED,	/* an end-of-line supervised input */
	BOARD_READER,		/* a Wiegand reader on two lines, or an
				   OSDP reader at an address */
};

enum board_lock {
	BOARD_LOCK_NONE,	/* not a lock */
	BOARD_LOCK_FAIL_SAFE,	/* energised = locked (maglock) */
	BOARD_LOCK_FAIL_SECURE,	/* energised = released (strike) */
};

enum board_modbus_table {
	BOARD_MB_NONE,
	BOARD_MB_COIL,		/* read/write bit */
	BOARD_MB_INPUT,		/* read-only bit (discrete input) */
	BOARD_MB_REGISTER,	/* read-only 16-bit input register */
};

/* A gpiod backend's own keys (hal/gpiod_board.c). */
struct board_gpiod {
	char	 chip[BOARD_NAME_MAX];	/* empty: find lines by name */
	int	 debounce_ms;
};

/* A Modbus backend's own keys (hal/modbus_board.c). */
struct board_modbus {
	char	 transport[8];		/* "tcp", "rtu" */
	char	 host[BOARD_NAME_MAX];
	int	 port;
	char	 device[128];
	int	 baud;
	char	 parity;
	int	 unit;
	int	 poll_ms;
	int	 timeout_ms;
};

/* An OSDP bus's own keys (hal/osdp_board.c). */
struct board_osdp {
	char	 device[128];
	int	 baud;
	int	 timeout_ms;		/* a reply's deadline */
	int	 offline_ms;		/* silent this long: offline */
	int	 poll_ms;		/* pause after an idle round (0) */
};

/*
 * A backend: its name and type, and the keys of its type, which only
 * that type's own board file parses and checks (struct board_keys).
 */
struct board_backend {
	char	 name[BOARD_NAME_MAX];
	char	 type[16];		/* "sim", "gpiod", "modbus" */
	int	 line;			/* where it was defined */
	union {
		struct board_gpiod	gpiod;
		struct board_modbus	modbus;
		struct board_osdp	osdp;
	} conf;
};

struct board_point {
	char	 role[BOARD_NAME_MAX];	/* "front.lock", "fire", ... */
	enum board_kind kind;
	int	 backend;		/* index into board.backends */
	int	 line_no;		/* where it was defined */
	char	 line[BOARD_NAME_MAX];	/* gpiod/sim line; reader: D0 */
	char	 line_d1[BOARD_NAME_MAX];	/* reader: D1 */
	enum board_modbus_table table;
	int	 address;		/* modbus; OSDP reader address */
	int	 active_low;
	enum board_lock lock;
	int	 loop_short, loop_normal, loop_active;	/* supervised */
};

struct board {
	char	 path[256];
	char	 name[BOARD_NAME_MAX];
	struct board_backend backends[BOARD_BACKENDS_MAX];
	int	 nbackends;
	struct board_point points[BOARD_POINTS_MAX];
	int	 npoints;
};

/*
 * Parse a board file into *b.  Every error is reported to diag with
 * file:line and reason; returns 0 when there were none, -1 otherwise.
 */
int board_load(struct board *b, const char *path, struct diag *);

/* The point playing role, or -1. */
int board_point_find(const struct board *, const char *role);
const char *board_kind_name(enum board_kind);

#endif
