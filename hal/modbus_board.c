/*
 * A Modbus backend's own board keys: how to reach the modules (TCP host
 * and port, or an RTU serial line), which unit, and how often to poll.
 */
#include <stdio.h>
#include <string.h>

#include "board_parse.h"
#include "hal_backend.h"

enum mb_key {
	MK_TRANSPORT, MK_HOST, MK_PORT, MK_DEVICE, MK_BAUD, MK_PARITY,
	MK_UNIT, MK_POLL, MK_TIMEOUT, MK_N
};

static const char *const mb_keys[MK_N] = {
	"transport", "host", "port", "device", "baud", "parity", "unit",
	"poll_ms", "timeout_ms",
};

/* Parse key k of a [backend] section of type modbus. */
static int
mb_board_parse(struct board_parse *p, struct board_backend *be, int k,
    const char *value, int line)
{
	struct board_modbus *c = &be->conf.modbus;
	const char *key = mb_keys[k];
	int i;

	switch (k) {
	case MK_TRANSPORT:
		if (board_word(p, line, key, value,
		    (const char *const[]){ "tcp", "rtu" }, 2, "tcp, rtu") < 0)
			return -1;
		return board_str(p, line, key, value, c->transport,
		    sizeof(c->transport));
	case MK_HOST:
		return board_str(p, line, key, value, c->host, sizeof(c->host));
	case MK_PORT:
		return board_int(p, line, key, value, 1, 65535, &c->port);
	case MK_DEVICE:
		return board_str(p, line, key, value, c->device,
		    sizeof(c->device));
	case MK_BAUD:
		return board_int(p, line, key, value, 300, 4000000, &c->baud);
	case MK_PARITY:
		if ((i = board_word(p, line, key, value,
		    (const char *const[]){ "N", "E", "O" }, 3, "N, E, O")) < 0)
			return -1;
		c->parity = "NEO"[i];
		return 0;
	case MK_UNIT:
		return board_int(p, line, key, value, 1, 255, &c->unit);
	case MK_POLL:
		return board_int(p, line, key, value, 10, 60000, &c->poll_ms);
	default:
		return board_int(p, line, key, value, 10, 10000,
		    &c->timeout_ms);
	}
}

/* A key given for the other Modbus transport is an error, not a no-op. */
static void
mb_board_transport(struct board_parse *p, const struct board_backend *be,
    const int *lines)
{
	static const int tcp_only[] = { MK_HOST, MK_PORT };
	static const int rtu_only[] = { MK_DEVICE, MK_BAUD, MK_PARITY };
	const struct board_modbus *c = &be->conf.modbus;
	int tcp = !strcmp(c->transport, "tcp");
	const int *wrong = tcp ? rtu_only : tcp_only;
	int n = tcp ? 3 : 2, j;

	for (j = 0; j < n; j++)
		if (lines[wrong[j]] != 0)
			diag_error(p->d, p->file, lines[wrong[j]],
			    "%s: does not apply to transport %s",
			    mb_keys[wrong[j]], c->transport);
	if (tcp && lines[MK_HOST] == 0)
		diag_error(p->d, p->file, be->line, "modbus backend '%s' "
		    "(tcp) needs host", be->name);
	if (!tcp && lines[MK_DEVICE] == 0)
		diag_error(p->d, p->file, be->line, "modbus backend '%s' "
		    "(rtu) needs device", be->name);
}

/* Fill in the Modbus defaults the board file may leave out. */
static void
mb_board_defaults(struct board_modbus *c)
{
	if (c->transport[0] == '\0')
		snprintf(c->transport, sizeof(c->transport), "tcp");
	if (c->port == 0)
		c->port = 502;
	if (c->baud == 0)
		c->baud = 19200;
	if (c->parity == '\0')
		c->parity = 'N';
	if (c->unit == 0)
		c->unit = 1;
	if (c->poll_ms == 0)
		c->poll_ms = 100;
	if (c->timeout_ms == 0)
		c->timeout_ms = 50;
}

/*
 * A module that stops answering is found by the next poll's request once
 * it times out: at most poll_ms + timeout_ms after it went quiet.  The
 * promise is a fault within two poll intervals, which holds only while
 * the timeout is shorter than the interval.
 */
static void
mb_board_check(struct board_parse *p, int i, const int *lines)
{
	struct board_backend *be = &p->b->backends[i];
	struct board_modbus *c = &be->conf.modbus;
	int line = lines[MK_TIMEOUT] ? lines[MK_TIMEOUT] :
	    lines[MK_POLL] ? lines[MK_POLL] : be->line;

	mb_board_defaults(c);
	mb_board_transport(p, be, lines);
	if (c->timeout_ms >= c->poll_ms)
		diag_error(p->d, p->file, line, "modbus backend '%s': "
		    "timeout_ms (%d) must be shorter than poll_ms (%d), or a "
		    "silent module is not reported within two polls",
		    be->name, c->timeout_ms, c->poll_ms);
}

const struct board_keys modbus_board_keys = {
	.keys = mb_keys,
	.nkeys = MK_N,
	.wires = BOARD_WIRES_MODBUS,
	.kinds = 1u << BOARD_INPUT | 1u << BOARD_OUTPUT |
	    1u << BOARD_SUPERVISED,
	.parse = mb_board_parse,
	.check = mb_board_check,
};
