/*
 * The board parser's knowledge of keys: the value each key takes, which
 * kinds of point and which types of backend it applies to, what each
 * combination requires, and that no two points share a wire.
 */
#include <stdio.h>
#include <string.h>

#include "board_parse.h"

#define K(kind)	(1u << (kind))
#define T(type)	(1u << (type))
#define P(key)	(1u << (key))
#define K_ALL	(K(BOARD_INPUT) | K(BOARD_OUTPUT) | K(BOARD_SUPERVISED) | \
		    K(BOARD_READER))
#define T_ALL	(T(BT_SIM) | T(BT_GPIOD) | T(BT_MODBUS))
#define T_PINS	(T(BT_SIM) | T(BT_GPIOD))

/* Which kinds of point and which backend types each point key suits. */
static const struct {
	unsigned kinds, types;
} board_papply[PK_N] = {
	[PK_BACKEND] =	{ K_ALL, T_ALL },
	[PK_KIND] =	{ K_ALL, T_ALL },
	[PK_LINE] =	{ K_ALL & ~K(BOARD_READER), T_PINS },
	[PK_COIL] =	{ K(BOARD_OUTPUT), T(BT_MODBUS) },
	[PK_INPUT] =	{ K(BOARD_INPUT), T(BT_MODBUS) },
	[PK_REGISTER] =	{ K(BOARD_SUPERVISED), T(BT_MODBUS) },
	[PK_ACTIVE] =	{ K(BOARD_INPUT) | K(BOARD_OUTPUT), T_ALL },
	[PK_LOCK] =	{ K(BOARD_OUTPUT), T_ALL },
	[PK_D0] =	{ K(BOARD_READER), T_PINS },
	[PK_D1] =	{ K(BOARD_READER), T_PINS },
	[PK_LOOP] =	{ K(BOARD_SUPERVISED), T_ALL },
};

/* What each kind of point needs on each backend type. */
static const unsigned board_preq[][BT_N] = {
	[BOARD_INPUT] =		{ P(PK_LINE), P(PK_LINE), P(PK_INPUT) },
	[BOARD_OUTPUT] =	{ P(PK_LINE), P(PK_LINE), P(PK_COIL) },
	[BOARD_SUPERVISED] =	{ P(PK_LINE), 0, P(PK_REGISTER) | P(PK_LOOP) },
	[BOARD_READER] =	{ P(PK_D0) | P(PK_D1), P(PK_D0) | P(PK_D1), 0 },
};

/* Which backend types each backend key suits. */
static const unsigned board_bapply[BK_N] = {
	[BK_TYPE] = T_ALL,
	[BK_CHIP] = T(BT_GPIOD), [BK_DEBOUNCE] = T(BT_GPIOD),
	[BK_TRANSPORT] = T(BT_MODBUS), [BK_HOST] = T(BT_MODBUS),
	[BK_PORT] = T(BT_MODBUS), [BK_DEVICE] = T(BT_MODBUS),
	[BK_BAUD] = T(BT_MODBUS), [BK_PARITY] = T(BT_MODBUS),
	[BK_UNIT] = T(BT_MODBUS), [BK_POLL] = T(BT_MODBUS),
	[BK_TIMEOUT] = T(BT_MODBUS),
};

static const char *const board_kind_phrase[] = {
	[BOARD_INPUT] = "an input", [BOARD_OUTPUT] = "an output",
	[BOARD_SUPERVISED] = "a supervised input", [BOARD_READER] = "a reader",
};

/* One of the fixed words in names[], reported by name when it is not. */
static int
board_word(struct board_parse *p, int line, const char *key,
    const char *value, const char *const *names, int n, const char *list)
{
	int i = board_lookup(names, n, value);

	if (i < 0)
		diag_error(p->d, p->file, line, "%s: '%s' is not one of %s",
		    key, value, list);
	return i;
}

/* "short,normal,active": three raw thresholds that must increase. */
static int
board_loop(struct board_parse *p, int line, const char *value,
    struct board_point *pt)
{
	int a, b, c, end = 0;

	if (sscanf(value, "%d,%d,%d%n", &a, &b, &c, &end) != 3 ||
	    value[end] != '\0' || a < 0 || c > 65535) {
		diag_error(p->d, p->file, line, "loop: '%s' is not three "
		    "numbers 0..65535 (short,normal,active)", value);
		return -1;
	}
	if (!(a < b && b < c)) {
		diag_error(p->d, p->file, line, "loop: thresholds %d,%d,%d "
		    "must increase (short < normal < active)", a, b, c);
		return -1;
	}
	pt->loop_short = a;
	pt->loop_normal = b;
	pt->loop_active = c;
	return 0;
}

/* A Modbus address in one of the three tables; only one per point. */
static int
board_address(struct board_parse *p, int line, const char *key,
    const char *value, struct board_point *pt, enum board_modbus_table t)
{
	if (pt->table != BOARD_MB_NONE) {
		diag_error(p->d, p->file, line, "%s: a point has only one of "
		    "coil, input and register", key);
		return -1;
	}
	if (board_int(p, line, key, value, 0, 65535, &pt->address) != 0)
		return -1;
	pt->table = t;
	return 0;
}

/* Parse one key of a [point] section (k: its index, -1 if unknown). */
int
board_point_key(struct board_parse *p, int line, int k, const char *key,
    const char *value)
{
	static const char *const levels[] = { "high", "low" };
	static const char *const locks[] = { "fail-safe", "fail-secure" };
	struct board_point *pt = &p->b->points[p->cur];
	int i;

	switch (k) {
	case PK_BACKEND:
		return board_str(p, line, key, value, p->pbackend[p->cur],
		    BOARD_NAME_MAX);
	case PK_KIND:
		if ((i = board_word(p, line, key, value,
		    (const char *const[]){ "input", "output", "supervised",
		    "reader" }, 4, "input, output, supervised, reader")) < 0)
			return -1;
		pt->kind = i;
		p->haskind[p->cur] = 1;
		return 0;
	case PK_LINE:
	case PK_D0:
		return board_str(p, line, key, value, pt->line,
		    sizeof(pt->line));
	case PK_D1:
		return board_str(p, line, key, value, pt->line_d1,
		    sizeof(pt->line_d1));
	case PK_COIL:
		return board_address(p, line, key, value, pt, BOARD_MB_COIL);
	case PK_INPUT:
		return board_address(p, line, key, value, pt, BOARD_MB_INPUT);
	case PK_REGISTER:
		return board_address(p, line, key, value, pt,
		    BOARD_MB_REGISTER);
	case PK_ACTIVE:
		if ((i = board_word(p, line, key, value, levels, 2,
		    "high, low")) < 0)
			return -1;
		pt->active_low = i;
		return 0;
	case PK_LOCK:
		if ((i = board_word(p, line, key, value, locks, 2,
		    "fail-safe, fail-secure")) < 0)
			return -1;
		pt->lock = i + 1;
		return 0;
	case PK_LOOP:
		return board_loop(p, line, value, pt);
	}
	diag_error(p->d, p->file, line, "unknown key '%s' in [%s]", key,
	    p->section);
	return -1;
}

/* Parse one key of a [backend] section (k: its index, -1 if unknown). */
int
board_backend_key(struct board_parse *p, int line, int k, const char *key,
    const char *value)
{
	struct board_backend *be = &p->b->backends[p->cur];
	int i;

	switch (k) {
	case BK_TYPE:
		if (board_word(p, line, key, value, board_types, BT_N,
		    "sim, gpiod, modbus") < 0)
			return -1;
		return board_str(p, line, key, value, be->type,
		    sizeof(be->type));
	case BK_CHIP:
		return board_str(p, line, key, value, be->chip,
		    sizeof(be->chip));
	case BK_DEBOUNCE:
		return board_int(p, line, key, value, 0, 1000,
		    &be->debounce_ms);
	case BK_TRANSPORT:
		if (board_word(p, line, key, value,
		    (const char *const[]){ "tcp", "rtu" }, 2, "tcp, rtu") < 0)
			return -1;
		return board_str(p, line, key, value, be->transport,
		    sizeof(be->transport));
	case BK_HOST:
		return board_str(p, line, key, value, be->host,
		    sizeof(be->host));
	case BK_PORT:
		return board_int(p, line, key, value, 1, 65535, &be->port);
	case BK_DEVICE:
		return board_str(p, line, key, value, be->device,
		    sizeof(be->device));
	case BK_BAUD:
		return board_int(p, line, key, value, 300, 4000000, &be->baud);
	case BK_PARITY:
		if ((i = board_word(p, line, key, value,
		    (const char *const[]){ "N", "E", "O" }, 3, "N, E, O")) < 0)
			return -1;
		be->parity = "NEO"[i];
		return 0;
	case BK_UNIT:
		return board_int(p, line, key, value, 1, 255, &be->unit);
	case BK_POLL:
		return board_int(p, line, key, value, 10, 60000, &be->poll_ms);
	case BK_TIMEOUT:
		return board_int(p, line, key, value, 10, 10000,
		    &be->timeout_ms);
	}
	diag_error(p->d, p->file, line, "unknown key '%s' in [%s]", key,
	    p->section);
	return -1;
}

/* A key given for the other Modbus transport is an error, not a no-op. */
static void
board_transport_check(struct board_parse *p, int i)
{
	static const int tcp_only[] = { BK_HOST, BK_PORT };
	static const int rtu_only[] = { BK_DEVICE, BK_BAUD, BK_PARITY };
	struct board_backend *be = &p->b->backends[i];
	int tcp = !strcmp(be->transport, "tcp");
	const int *wrong = tcp ? rtu_only : tcp_only;
	int n = tcp ? 3 : 2, j;

	for (j = 0; j < n; j++)
		if (p->bline[i][wrong[j]] != 0)
			diag_error(p->d, p->file, p->bline[i][wrong[j]],
			    "%s: does not apply to transport %s",
			    board_bkeys[wrong[j]], be->transport);
	if (tcp && p->bline[i][BK_HOST] == 0)
		diag_error(p->d, p->file, be->line, "modbus backend '%s' "
		    "(tcp) needs host", be->name);
	if (!tcp && p->bline[i][BK_DEVICE] == 0)
		diag_error(p->d, p->file, be->line, "modbus backend '%s' "
		    "(rtu) needs device", be->name);
}

/* Fill in the Modbus defaults the board file may leave out. */
static void
board_modbus_defaults(struct board_backend *be)
{
	if (be->transport[0] == '\0')
		snprintf(be->transport, sizeof(be->transport), "tcp");
	if (be->port == 0)
		be->port = 502;
	if (be->baud == 0)
		be->baud = 19200;
	if (be->parity == '\0')
		be->parity = 'N';
	if (be->unit == 0)
		be->unit = 1;
	if (be->poll_ms == 0)
		be->poll_ms = 100;
	if (be->timeout_ms == 0)
		be->timeout_ms = 50;
}

/*
 * A module that stops answering is found by the next poll's request once
 * it times out: at most poll_ms + timeout_ms after it went quiet.  The
 * promise is a fault within two poll intervals, which holds only while
 * the timeout is shorter than the interval.
 */
static void
board_timing_check(struct board_parse *p, int i)
{
	const struct board_backend *be = &p->b->backends[i];
	int line = p->bline[i][BK_TIMEOUT] ? p->bline[i][BK_TIMEOUT] :
	    p->bline[i][BK_POLL] ? p->bline[i][BK_POLL] : be->line;

	if (be->timeout_ms >= be->poll_ms)
		diag_error(p->d, p->file, line, "modbus backend '%s': "
		    "timeout_ms (%d) must be shorter than poll_ms (%d), or a "
		    "silent module is not reported within two polls",
		    be->name, be->timeout_ms, be->poll_ms);
}

/* Check a backend once its section is complete. */
void
board_backend_check(struct board_parse *p, int i)
{
	struct board_backend *be = &p->b->backends[i];
	int t = board_lookup(board_types, BT_N, be->type), k, j;

	if (t < 0) {
		if (p->bline[i][BK_TYPE] == 0)
			diag_error(p->d, p->file, be->line, "backend '%s' has "
			    "no type (sim, gpiod, modbus)", be->name);
		return;
	}
	for (k = 0; k < BK_N; k++)
		if (p->bline[i][k] != 0 && !(board_bapply[k] & T(t)))
			diag_error(p->d, p->file, p->bline[i][k], "%s: does "
			    "not apply to a %s backend", board_bkeys[k],
			    be->type);
	if (t == BT_SIM) {
		/* One simulated building, one driver socket. */
		for (j = 0; j < i; j++)
			if (!strcmp(p->b->backends[j].type, "sim"))
				diag_error(p->d, p->file, be->line, "only one "
				    "sim backend per board ('%s' is one)",
				    p->b->backends[j].name);
	}
	if (t == BT_MODBUS) {
		board_modbus_defaults(be);
		board_transport_check(p, i);
		board_timing_check(p, i);
	}
}

/* Check a point's keys against its kind and backend type; 0 if sound. */
int
board_point_check(struct board_parse *p, int i)
{
	struct board_point *pt = &p->b->points[i];
	const char *type = p->b->backends[pt->backend].type;
	int t = board_lookup(board_types, BT_N, type), k, bad = 0;

	if (t < 0)
		return -1;	/* the backend's own error says why */
	if ((t == BT_GPIOD && pt->kind == BOARD_SUPERVISED) ||
	    (t == BT_MODBUS && pt->kind == BOARD_READER)) {
		diag_error(p->d, p->file, pt->line_no, "point '%s': %s cannot "
		    "be on a %s backend", pt->role,
		    board_kind_phrase[pt->kind], type);
		return -1;
	}
	for (k = 0; k < PK_N; k++) {
		if (p->pline[i][k] == 0)
			continue;
		if (!(board_papply[k].kinds & K(pt->kind)))
			diag_error(p->d, p->file, p->pline[i][k], "%s: does "
			    "not apply to %s", board_pkeys[k],
			    board_kind_phrase[pt->kind]);
		else if (!(board_papply[k].types & T(t)))
			diag_error(p->d, p->file, p->pline[i][k], "%s: does "
			    "not apply to a %s backend", board_pkeys[k], type);
		else
			continue;
		bad = -1;
	}
	for (k = 0; k < PK_N; k++)
		if ((board_preq[pt->kind][t] & P(k)) && p->pline[i][k] == 0) {
			diag_error(p->d, p->file, pt->line_no, "point '%s' "
			    "(%s on %s) needs %s", pt->role,
			    board_kind_name(pt->kind), type, board_pkeys[k]);
			bad = -1;
		}
	return bad;
}

/* Report wire w of point i if point j (or i itself) already uses it. */
static void
board_wire_clash(struct board_parse *p, int i, int key, const char *w,
    int j, const char *u)
{
	struct board_point *other = &p->b->points[j];

	if (w[0] == '\0' || strcmp(w, u) != 0)
		return;
	diag_error(p->d, p->file, p->pline[i][key], "%s: line '%s' is "
	    "already used by '%s' (line %d)", board_pkeys[key], w,
	    other->role, other->line_no);
}

/*
 * Two roles on one wire would make one of them lie, so every line name
 * and every Modbus address is used once per backend.
 */
void
board_point_unique(struct board_parse *p, int i)
{
	struct board_point *pt = &p->b->points[i], *o;
	int k0 = pt->kind == BOARD_READER ? PK_D0 : PK_LINE, j;
	int ktab = pt->table == BOARD_MB_COIL ? PK_COIL :
	    pt->table == BOARD_MB_INPUT ? PK_INPUT : PK_REGISTER;

	if (pt->kind == BOARD_READER)
		board_wire_clash(p, i, PK_D1, pt->line_d1, i, pt->line);
	for (j = 0; j < i; j++) {
		o = &p->b->points[j];
		if (o->backend != pt->backend)
			continue;
		if (pt->table != BOARD_MB_NONE) {
			if (o->table == pt->table && o->address == pt->address)
				diag_error(p->d, p->file, p->pline[i][ktab],
				    "%s: %d is already used by '%s' (line %d)",
				    board_pkeys[ktab], pt->address, o->role,
				    o->line_no);
			continue;
		}
		board_wire_clash(p, i, k0, pt->line, j, o->line);
		board_wire_clash(p, i, k0, pt->line, j, o->line_d1);
		board_wire_clash(p, i, PK_D1, pt->line_d1, j, o->line);
		board_wire_clash(p, i, PK_D1, pt->line_d1, j, o->line_d1);
	}
}
