/*
 * The board parser's knowledge of keys: the value each point key takes,
 * which kinds of point and ways of naming wires it applies to, what each
 * combination requires, and that no two points share a wire.  A
 * [backend] section's keys belong to its type (struct board_keys); this
 * file only hands them over and reports the ones that do not apply.
 */
#include <stdio.h>
#include <string.h>

#include "board_parse.h"
#include "hal_backend.h"

#define K(kind)	(1u << (kind))
#define W(wires)	(1u << (wires))
#define P(key)	(1u << (key))
#define K_ALL	(K(BOARD_INPUT) | K(BOARD_OUTPUT) | K(BOARD_SUPERVISED) | \
		    K(BOARD_READER))
#define W_ALL	(W(BOARD_WIRES_PINS) | W(BOARD_WIRES_MODBUS) | \
		    W(BOARD_WIRES_OSDP))
#define W_PINS	W(BOARD_WIRES_PINS)
#define W_MB	W(BOARD_WIRES_MODBUS)
#define W_OSDP	W(BOARD_WIRES_OSDP)

/*
 * Which kinds of point and which ways of naming wires each point key
 * suits.  A backend says which it uses and which kinds it drives (its
 * struct board_keys), so no table here names a backend.
 */
static const struct {
	unsigned kinds, wires;
} board_papply[PK_N] = {
	[PK_BACKEND] =	{ K_ALL, W_ALL },
	[PK_KIND] =	{ K_ALL, W_ALL },
	[PK_LINE] =	{ K_ALL & ~K(BOARD_READER), W_PINS },
	[PK_COIL] =	{ K(BOARD_OUTPUT), W_MB },
	[PK_INPUT] =	{ K(BOARD_INPUT), W_MB },
	[PK_REGISTER] =	{ K(BOARD_SUPERVISED), W_MB },
	[PK_ACTIVE] =	{ K(BOARD_INPUT) | K(BOARD_OUTPUT), W_ALL },
	[PK_LOCK] =	{ K(BOARD_OUTPUT), W_ALL },
	[PK_D0] =	{ K(BOARD_READER), W_PINS },
	[PK_D1] =	{ K(BOARD_READER), W_PINS },
	[PK_LOOP] =	{ K(BOARD_SUPERVISED), W_ALL },
	[PK_ADDRESS] =	{ K(BOARD_READER), W_OSDP },
};

/* What each kind of point needs for each way of naming wires. */
static const unsigned board_preq[][BOARD_WIRES_N] = {
	[BOARD_INPUT] =		{ P(PK_LINE), P(PK_INPUT), 0 },
	[BOARD_OUTPUT] =	{ P(PK_LINE), P(PK_COIL), 0 },
	[BOARD_SUPERVISED] =	{ P(PK_LINE), P(PK_REGISTER) | P(PK_LOOP), 0 },
	[BOARD_READER] =	{ P(PK_D0) | P(PK_D1), 0, P(PK_ADDRESS) },
};

static const char *const board_kind_phrase[] = {
	[BOARD_INPUT] = "an input", [BOARD_OUTPUT] = "an output",
	[BOARD_SUPERVISED] = "a supervised input", [BOARD_READER] = "a reader",
};

/* One of the fixed words in names[], reported by name when it is not. */
int
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
	case PK_ADDRESS:
		/* 127 is the broadcast address, never a reader's own. */
		return board_int(p, line, key, value, 0, 126, &pt->address);
	}
	diag_error(p->d, p->file, line, "unknown key '%s' in [%s]", key,
	    p->section);
	return -1;
}

/* Whether some backend type has key among its own. */
static int
board_key_known(const char *key)
{
	const struct hal_backend_type *t;
	size_t i;

	for (i = 0; (t = hal_backend_type(i)) != NULL; i++)
		if (board_key_index(t->board, key) >= 0)
			return 1;
	return 0;
}

/* Hand a kept key to its backend type's parser once the type is known. */
static int
board_bkey_parse(struct board_parse *p, int i, struct board_bkey *bk)
{
	struct board_backend *be = &p->b->backends[i];
	const struct board_keys *t = board_keys_of(be->type);
	int k;

	if (t == NULL || bk->done)
		return 0;
	if ((k = board_key_index(t, bk->key)) < 0)
		return 0;	/* board_backend_check: "does not apply" */
	bk->done = 1;
	return t->parse(p, be, k, bk->value, bk->line);
}

/* The type key names one of the HAL's backend types. */
static int
board_backend_type(struct board_parse *p, int line, const char *value)
{
	struct board_backend *be = &p->b->backends[p->cur];
	char list[128];
	int j;

	if (board_key_seen(p, &p->type_line[p->cur], "type", line) != 0)
		return -1;
	if (board_keys_of(value) == NULL) {
		board_type_list(list, sizeof(list));
		diag_error(p->d, p->file, line, "type: '%s' is not one of %s",
		    value, list);
		return -1;
	}
	if (board_str(p, line, "type", value, be->type, sizeof(be->type)))
		return -1;
	for (j = 0; j < p->nbkeys[p->cur]; j++)
		board_bkey_parse(p, p->cur, &p->bkeys[p->cur][j]);
	return 0;
}

/*
 * One key of a [backend] section.  Its type's own parser reads it; until
 * the type is known (it may come last) the key is kept as written.
 */
int
board_backend_key(struct board_parse *p, int line, const char *key,
    const char *value)
{
	struct board_bkey *bk;
	int i = p->cur, j;

	if (!strcmp(key, "type"))
		return board_backend_type(p, line, value);
	if (!board_key_known(key)) {
		diag_error(p->d, p->file, line, "unknown key '%s' in [%s]",
		    key, p->section);
		return -1;
	}
	for (j = 0; j < p->nbkeys[i]; j++)
		if (!strcmp(p->bkeys[i][j].key, key))
			return board_key_seen(p, &p->bkeys[i][j].line, key,
			    line);
	if (p->nbkeys[i] == BOARD_BKEYS_MAX ||
	    strlen(value) >= sizeof(bk->value)) {
		diag_error(p->d, p->file, line, "%s: '%s' is too long", key,
		    value);
		return -1;
	}
	bk = &p->bkeys[i][p->nbkeys[i]++];
	snprintf(bk->key, sizeof(bk->key), "%s", key);
	snprintf(bk->value, sizeof(bk->value), "%s", value);
	bk->line = line;
	return board_bkey_parse(p, i, bk);
}

/* Check a backend once the file is read: its keys suit its type. */
void
board_backend_check(struct board_parse *p, int i)
{
	struct board_backend *be = &p->b->backends[i];
	const struct board_keys *t = board_keys_of(be->type);
	int lines[BOARD_BKEYS_MAX] = { 0 }, j, k;
	char list[128];

	if (t == NULL) {
		board_type_list(list, sizeof(list));
		if (p->type_line[i] == 0)
			diag_error(p->d, p->file, be->line, "backend '%s' has "
			    "no type (%s)", be->name, list);
		return;
	}
	for (j = 0; j < p->nbkeys[i]; j++) {
		k = board_key_index(t, p->bkeys[i][j].key);
		if (k >= 0)
			lines[k] = p->bkeys[i][j].line;
		else
			diag_error(p->d, p->file, p->bkeys[i][j].line, "%s: "
			    "does not apply to a %s backend",
			    p->bkeys[i][j].key, be->type);
	}
	if (t->check != NULL)
		t->check(p, i, lines);
}

/* Check a point's keys against its kind and backend type; 0 if sound. */
int
board_point_check(struct board_parse *p, int i)
{
	struct board_point *pt = &p->b->points[i];
	const char *type = p->b->backends[pt->backend].type;
	const struct board_keys *t = board_keys_of(type);
	int k, bad = 0;

	if (t == NULL)
		return -1;	/* the backend's own error says why */
	if (!(t->kinds & K(pt->kind))) {
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
		else if (!(board_papply[k].wires & W(t->wires)))
			diag_error(p->d, p->file, p->pline[i][k], "%s: does "
			    "not apply to a %s backend", board_pkeys[k], type);
		else
			continue;
		bad = -1;
	}
	for (k = 0; k < PK_N; k++)
		if ((board_preq[pt->kind][t->wires] & P(k)) && p->pline[i][k] == 0) {
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
		if (p->pline[i][PK_ADDRESS] != 0) {
			if (p->pline[j][PK_ADDRESS] != 0 &&
			    o->address == pt->address)
				diag_error(p->d, p->file,
				    p->pline[i][PK_ADDRESS], "address: %d is "
				    "already used by '%s' (line %d)",
				    pt->address, o->role, o->line_no);
			continue;
		}
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
