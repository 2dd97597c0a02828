/*
 * A Modbus module's image: the points it carries, the address range each
 * table's single request covers, the inputs and registers as last read,
 * and the coils as the module has them and as they were commanded.  No
 * I/O here; modbus.c moves the image to and from the wire.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "modbus_int.h"

/*
 * Classify a supervised loop's raw reading against the point's
 * end-of-line thresholds: a short circuit reads low, an open circuit
 * reads high, and the two resistor values sit in between.
 */
static enum hal_loop
mb_image_classify(const struct board_point *p, unsigned v)
{
	if (v < (unsigned)p->loop_short)
		return HAL_LOOP_SHORT;
	if (v <= (unsigned)p->loop_normal)
		return HAL_LOOP_NORMAL;
	if (v <= (unsigned)p->loop_active)
		return HAL_LOOP_ACTIVE;
	return HAL_LOOP_CUT;
}

/* The table a point of this kind must use, or BOARD_MB_NONE. */
static enum board_modbus_table
mb_image_table_of(enum board_kind kind)
{
	switch (kind) {
	case BOARD_INPUT:
		return BOARD_MB_INPUT;
	case BOARD_SUPERVISED:
		return BOARD_MB_REGISTER;
	case BOARD_OUTPUT:
		return BOARD_MB_COIL;
	default:
		return BOARD_MB_NONE;
	}
}

/*
 * The board parser already refuses a point a module cannot serve; this
 * check keeps a bad table from ever indexing past an image.
 */
static int
mb_image_check(struct hal_backend *b, const struct board_point *p)
{
	enum board_modbus_table t = mb_image_table_of(p->kind);

	if (t == BOARD_MB_NONE || p->table != t || p->address < 0 ||
	    p->address > 0xffff) {
		log_warnx("%s: point %s: no %s address a Modbus module can "
		    "serve", b->cfg->name, p->role, board_kind_name(p->kind));
		return -1;
	}
	return 0;
}

/* Widen a table's range to cover addr. */
static void
mb_image_range_add(struct mb_range *r, int addr)
{
	if (r->n == 0 || addr < r->lo)
		r->lo = addr;
	if (r->n == 0 || addr > r->hi)
		r->hi = addr;
	r->n = r->hi - r->lo + 1;
}

/* Collect the backend's points and the ranges they cover. */
static int
mb_image_collect(struct hal_backend *b, struct mb_priv *m)
{
	const struct board *bd = hal_board(b->hal);
	struct mb_ref *ref;
	int i;

	if ((m->refs = calloc((size_t)bd->npoints + 1, sizeof(*m->refs))) ==
	    NULL)
		return -1;
	for (i = 0; i < bd->npoints; i++) {
		if (bd->points[i].backend != b->index)
			continue;
		if (mb_image_check(b, &bd->points[i]) != 0) {
			errno = EINVAL;
			return -1;
		}
		ref = &m->refs[m->nrefs++];
		ref->point = i;
		ref->table = bd->points[i].table;
		ref->addr = bd->points[i].address;
		ref->last = -1;
		mb_image_range_add(&m->r[ref->table], ref->addr);
	}
	return 0;
}

/*
 * Collect the points and allocate the images.  One request must be able
 * to cover each range, which any real module's address map allows.
 */
int
mb_image_build(struct hal_backend *b, struct mb_priv *m)
{
	size_t nc;

	if (mb_image_collect(b, m) != 0)
		return -1;
	if (m->r[BOARD_MB_INPUT].n > MODBUS_MAX_READ_BITS ||
	    m->r[BOARD_MB_REGISTER].n > MODBUS_MAX_READ_REGISTERS ||
	    m->r[BOARD_MB_COIL].n > MODBUS_MAX_WRITE_BITS) {
		log_warnx("%s: the addresses used span more than one Modbus "
		    "request can cover", b->cfg->name);
		errno = EINVAL;
		return -1;
	}
	nc = (size_t)m->r[BOARD_MB_COIL].n + 1;
	m->bits = calloc((size_t)m->r[BOARD_MB_INPUT].n + 1, 1);
	m->regs = calloc((size_t)m->r[BOARD_MB_REGISTER].n + 1, 2);
	m->coils = calloc(nc, 1);
	m->want = malloc(nc);
	m->dirty = calloc(nc, 1);
	if (m->bits == NULL || m->regs == NULL || m->coils == NULL ||
	    m->want == NULL || m->dirty == NULL)
		return -1;
	memset(m->want, -1, nc);
	return 0;
}

void
mb_image_free(struct mb_priv *m)
{
	free(m->refs);
	free(m->bits);
	free(m->regs);
	free(m->coils);
	free(m->want);
	free(m->dirty);
}

/* The coil image index of a coil point, or -1. */
static int
mb_image_coil(const struct mb_priv *m, int point)
{
	int i;

	for (i = 0; i < m->nrefs; i++)
		if (m->refs[i].point == point &&
		    m->refs[i].table == BOARD_MB_COIL)
			return m->refs[i].addr - m->r[BOARD_MB_COIL].lo;
	return -1;
}

/* Note commanded levels as wanted and not yet written. */
int
mb_image_queue(struct hal_backend *b, struct mb_priv *m, const int *points,
    const int *levels, int n)
{
	int i, k, rc = 0;

	for (i = 0; i < n; i++) {
		if ((k = mb_image_coil(m, points[i])) < 0) {
			log_warnx("%s: point %d is not a coil here",
			    b->cfg->name, points[i]);
			errno = EINVAL;
			rc = -1;
			continue;
		}
		m->want[k] = levels[i] != 0;
		m->dirty[k] = 1;
	}
	return rc;
}

/*
 * The one write that carries every dirty coil: the covering span from the
 * first to the last dirty coil, with the known values of the coils in
 * between so that they do not change.  Returns the span's length (0: no
 * dirty coil) and its first index in *lo; v gets the values.
 */
int
mb_image_span(const struct mb_priv *m, int *lo, uint8_t *v)
{
	int i, first = -1, last = -1;

	for (i = 0; i < m->r[BOARD_MB_COIL].n; i++)
		if (m->dirty[i]) {
			if (first < 0)
				first = i;
			last = i;
		}
	if (first < 0)
		return 0;
	for (i = first; i <= last; i++)
		v[i - first] = m->dirty[i] ? (uint8_t)m->want[i] :
		    m->coils[i];
	*lo = first;
	return last - first + 1;
}

/* A span went out: the module now has those values. */
void
mb_image_written(struct mb_priv *m, int lo, int n, const uint8_t *v)
{
	memcpy(m->coils + lo, v, (size_t)n);
	memset(m->dirty + lo, 0, (size_t)n);
}

/*
 * The coils were just read back: every commanded coil the module does not
 * have (it restarted, or missed a write while away) goes out again.
 */
void
mb_image_restore(struct mb_priv *m)
{
	int i;

	for (i = 0; i < m->r[BOARD_MB_COIL].n; i++)
		if (m->want[i] >= 0 && m->want[i] != m->coils[i])
			m->dirty[i] = 1;
}

/* Report the coils as found, once, leaving out those already commanded. */
void
mb_image_report_found(struct hal_backend *b, struct mb_priv *m)
{
	int i, k;

	if (m->found)
		return;
	m->found = 1;
	for (i = 0; i < m->nrefs; i++) {
		if (m->refs[i].table != BOARD_MB_COIL)
			continue;
		k = m->refs[i].addr - m->r[BOARD_MB_COIL].lo;
		if (m->want[k] < 0)
			hal_report_output(b->hal, m->refs[i].point,
			    m->coils[k]);
	}
}

/*
 * Report the inputs and loops that changed since the last report.  The
 * callbacks may write coils, which is why this runs after all reading.
 */
void
mb_image_report(struct hal_backend *b, struct mb_priv *m, uint64_t now)
{
	const struct board *bd = hal_board(b->hal);
	struct mb_ref *ref;
	int i, v;

	for (i = 0; i < m->nrefs; i++) {
		ref = &m->refs[i];
		if (ref->table == BOARD_MB_INPUT)
			v = m->bits[ref->addr - m->r[BOARD_MB_INPUT].lo] != 0;
		else if (ref->table == BOARD_MB_REGISTER)
			v = (int)mb_image_classify(&bd->points[ref->point],
			    m->regs[ref->addr - m->r[BOARD_MB_REGISTER].lo]);
		else
			continue;
		if (v == ref->last)
			continue;
		ref->last = v;
		if (ref->table == BOARD_MB_INPUT)
			hal_report_input(b->hal, ref->point, v, now);
		else
			hal_report_loop(b->hal, ref->point, (enum hal_loop)v,
			    now);
	}
}
