/*
 * An OSDP bus's own board keys: the serial line, its speed, and the
 * timing of the Control Panel (reply deadline, offline after, pause
 * between exchanges).  Its points are readers, each at an address.
 */
#include <stdio.h>
#include <string.h>

#include "board_parse.h"
#include "hal_backend.h"

enum osdp_key {
	OK_DEVICE, OK_BAUD, OK_TIMEOUT, OK_OFFLINE, OK_POLL, OK_N
};

static const char *const osdp_keys[OK_N] = {
	"device", "baud", "timeout_ms", "offline_ms", "poll_ms",
};

/* The speeds OSDP names (9600 ... 115200), and 230400 for fast adapters. */
static const int osdp_bauds[] = { 9600, 19200, 38400, 57600, 115200, 230400 };

static int
osdp_board_baud(struct board_parse *p, int line, const char *value, int *dst)
{
	size_t i;

	if (board_int(p, line, "baud", value, 9600, 230400, dst) != 0)
		return -1;
	for (i = 0; i < sizeof(osdp_bauds) / sizeof(*osdp_bauds); i++)
		if (osdp_bauds[i] == *dst)
			return 0;
	diag_error(p->d, p->file, line, "baud: %d is not one of 9600, 19200, "
	    "38400, 57600, 115200, 230400", *dst);
	return -1;
}

/* Parse key k of a [backend] section of type osdp. */
static int
osdp_board_parse(struct board_parse *p, struct board_backend *be, int k,
    const char *value, int line)
{
	struct board_osdp *c = &be->conf.osdp;
	const char *key = osdp_keys[k];

	switch (k) {
	case OK_DEVICE:
		return board_str(p, line, key, value, c->device,
		    sizeof(c->device));
	case OK_BAUD:
		return osdp_board_baud(p, line, value, &c->baud);
	case OK_TIMEOUT:
		return board_int(p, line, key, value, 5, 1000, &c->timeout_ms);
	case OK_OFFLINE:
		return board_int(p, line, key, value, 100, 60000,
		    &c->offline_ms);
	default:
		return board_int(p, line, key, value, 0, 1000, &c->poll_ms);
	}
}

/*
 * A silent reader is found by its reply deadline, and it can only be
 * called offline after at least one deadline passed: offline_ms shorter
 * than timeout_ms would promise what the bus cannot see.
 */
static void
osdp_board_check(struct board_parse *p, int i, const int *lines)
{
	struct board_backend *be = &p->b->backends[i];
	struct board_osdp *c = &be->conf.osdp;

	if (lines[OK_DEVICE] == 0)
		diag_error(p->d, p->file, be->line, "osdp backend '%s' needs "
		    "device", be->name);
	if (c->baud == 0)
		c->baud = 115200;
	if (c->timeout_ms == 0)
		c->timeout_ms = 200;
	if (c->offline_ms == 0)
		c->offline_ms = 1000;
	if (c->offline_ms <= c->timeout_ms)
		diag_error(p->d, p->file, lines[OK_OFFLINE] ? lines[OK_OFFLINE] :
		    be->line, "osdp backend '%s': offline_ms (%d) must be "
		    "longer than timeout_ms (%d)", be->name, c->offline_ms,
		    c->timeout_ms);
}

const struct board_keys osdp_board_keys = {
	.keys = osdp_keys,
	.nkeys = OK_N,
	.wires = BOARD_WIRES_OSDP,
	.kinds = 1u << BOARD_READER,
	.parse = osdp_board_parse,
	.check = osdp_board_check,
};
