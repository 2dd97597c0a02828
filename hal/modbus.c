/*
 * The modbus backend: one remote I/O module per backend section, over
 * Modbus TCP or RTU, through libmodbus 3.1.6.  Every libmodbus call of
 * the daemon lives in this file.
 *
 * The module is polled from tick every poll_ms: one request for all its
 * discrete inputs and one for all its input registers, each covering the
 * lowest to the highest address the board uses.  Coils are read once
 * after each connect, never polled: the daemon is the only master that
 * writes them.  All queued coils go out in one request.
 *
 * I/O is synchronous on the daemon's one thread, bounded by timeout_ms
 * per request.  A request that fails (timeout, refused, reset, a bad or
 * exception answer) puts the module in fault at once, so that a dead
 * module is reported at the first poll it misses, well within two poll
 * intervals.  The connection is then closed and opened again at the next
 * poll, once per poll interval.  Coils commanded while the module was
 * away are written when it answers again, so a module that restarted is
 * brought back to what the doors need.
 *
 * This file's own names start with mb_, keeping them apart from
 * libmodbus's modbus_.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modbus.h>

#include "clock.h"
#include "hal_backend.h"
#include "log.h"

#define MB_POLL_MS	100	/* when the board does not say */
#define MB_TIMEOUT_MS	50
#define MB_TABLES	4	/* indexed by enum board_modbus_table */

struct mb_ref {
	int			 point;
	enum board_modbus_table	 table;
	int			 addr;
	int			 last;	/* last reported level or loop; -1 */
};

/* The address range one request covers; n is 0 for an unused table. */
struct mb_range {
	int	 lo, hi, n;
};

struct mb_priv {
	modbus_t	*ctx;
	int		 connected;
	int		 synced;	/* coils read and restored */
	int		 fault;		/* as last reported */
	int		 found;		/* coils reported as found at open */
	uint64_t	 next_poll;
	uint32_t	 poll_ms;
	struct mb_ref	*refs;
	int		 nrefs;
	struct mb_range	 r[MB_TABLES];
	uint8_t		*bits;		/* discrete inputs, from r[INPUT].lo */
	uint16_t	*regs;		/* input registers */
	uint8_t		*coils;		/* coils as the module has them */
	int8_t		*want;		/* coils as commanded; -1: never */
	uint8_t		*dirty;		/* commanded, not yet written */
	char		 reason[64];
};

/*
 * Classify a supervised loop's raw reading against the point's
 * end-of-line thresholds: a short circuit reads low, an open circuit
 * reads high, and the two resistor values sit in between.
 */
static enum hal_loop
mb_classify(const struct board_point *p, unsigned v)
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
mb_table_of(enum board_kind kind)
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

/* Check a point against what a Modbus module can serve. */
static int
mb_check_point(struct hal_backend *b, const struct board_point *p)
{
	enum board_modbus_table t = mb_table_of(p->kind);

	if (t == BOARD_MB_NONE || p->table != t) {
		log_warnx("%s: point %s: a Modbus %s needs %s", b->cfg->name,
		    p->role, board_kind_name(p->kind),
		    t == BOARD_MB_COIL ? "a coil" : t == BOARD_MB_INPUT ?
		    "a discrete input" : t == BOARD_MB_REGISTER ?
		    "an input register" : "GPIO lines");
		return -1;
	}
	if (p->address < 0 || p->address > 0xffff) {
		log_warnx("%s: point %s: address %d is out of range",
		    b->cfg->name, p->role, p->address);
		return -1;
	}
	return 0;
}

/* Widen a table's range to cover addr. */
static void
mb_range_add(struct mb_range *r, int addr)
{
	if (r->n == 0 || addr < r->lo)
		r->lo = addr;
	if (r->n == 0 || addr > r->hi)
		r->hi = addr;
	r->n = r->hi - r->lo + 1;
}

/* Collect the backend's points and the ranges they cover. */
static int
mb_collect(struct hal_backend *b, struct mb_priv *m)
{
	const struct board *bd = hal_board(b->hal);
	int i;

	if ((m->refs = calloc((size_t)bd->npoints + 1, sizeof(*m->refs))) ==
	    NULL)
		return -1;
	for (i = 0; i < bd->npoints; i++) {
		const struct board_point *p = &bd->points[i];
		struct mb_ref *ref = &m->refs[m->nrefs];

		if (p->backend != b->index)
			continue;
		if (mb_check_point(b, p) != 0) {
			errno = EINVAL;
			return -1;
		}
		ref->point = i;
		ref->table = p->table;
		ref->addr = p->address;
		ref->last = -1;
		mb_range_add(&m->r[p->table], p->address);
		m->nrefs++;
	}
	return 0;
}

/*
 * Allocate the images of the three tables.  One request must be able to
 * cover each range, which any real module's address map allows.
 */
static int
mb_alloc(struct hal_backend *b, struct mb_priv *m)
{
	size_t nc = (size_t)m->r[BOARD_MB_COIL].n + 1;

	if (m->r[BOARD_MB_INPUT].n > MODBUS_MAX_READ_BITS ||
	    m->r[BOARD_MB_REGISTER].n > MODBUS_MAX_READ_REGISTERS ||
	    m->r[BOARD_MB_COIL].n > MODBUS_MAX_WRITE_BITS) {
		log_warnx("%s: the addresses used span more than one Modbus "
		    "request can cover", b->cfg->name);
		errno = EINVAL;
		return -1;
	}
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

/*
 * Apply timeout_ms to the connect, the first byte of an answer and the
 * gap between its bytes.  libmodbus waits for ever on a zero byte
 * timeout, so the gap gets the same bound as the answer.
 */
static int
mb_timeouts(modbus_t *ctx, int ms)
{
	uint32_t s = (uint32_t)ms / 1000u, us = (uint32_t)ms % 1000u * 1000u;

	if (modbus_set_response_timeout(ctx, s, us) == -1 ||
	    modbus_set_byte_timeout(ctx, s, us) == -1)
		return -1;
	return 0;
}

/* Make the libmodbus context for the board's transport. */
static modbus_t *
mb_new_ctx(struct hal_backend *b)
{
	const struct board_backend *c = b->cfg;
	struct in_addr a;

	if (strcmp(c->transport, "rtu") == 0)
		return modbus_new_rtu(c->device, c->baud > 0 ? c->baud : 19200,
		    c->parity != '\0' ? c->parity : 'N', 8, 1);
	/* A host name would be resolved on every reconnect, blocking. */
	if (inet_pton(AF_INET, c->host, &a) != 1) {
		log_warnx("%s: host '%s' is not an IPv4 address", c->name,
		    c->host);
		errno = EINVAL;
		return NULL;
	}
	return modbus_new_tcp(c->host, c->port > 0 ? c->port : 502);
}

/* Make and set up the context; no I/O yet. */
static int
mb_setup(struct hal_backend *b, struct mb_priv *m)
{
	const struct board_backend *c = b->cfg;
	int unit = c->unit >= 0 ? c->unit : 1;

	if ((m->ctx = mb_new_ctx(b)) == NULL) {
		log_warn("%s: modbus context", c->name);
		return -1;
	}
	if (modbus_set_slave(m->ctx, unit) == -1 ||
	    mb_timeouts(m->ctx, c->timeout_ms > 0 ? c->timeout_ms :
	    MB_TIMEOUT_MS) == -1) {
		log_warn("%s: unit %d, timeout %d ms", c->name, unit,
		    c->timeout_ms);
		return -1;
	}
	m->poll_ms = c->poll_ms > 0 ? (uint32_t)c->poll_ms : MB_POLL_MS;
	return 0;
}

/*
 * Note why the module did not answer.  A connect that times out leaves
 * errno as it was, so that case is named here.
 */
static void
mb_reason(struct mb_priv *m, int err)
{
	const char *s;

	if (err == 0 || err == EINPROGRESS || err == ETIMEDOUT)
		s = "timeout";
	else if (err == ECONNREFUSED)
		s = "connection refused";
	else if (err == ECONNRESET || err == EPIPE)
		s = "connection reset";
	else
		s = modbus_strerror(err);
	snprintf(m->reason, sizeof(m->reason), "%s", s);
}

/*
 * The module failed a request: drop the connection (a late answer must
 * not be taken for the next request's) and report the fault once; the
 * HAL logs it.
 */
static void
mb_fail(struct hal_backend *b, struct mb_priv *m, const char *what)
{
	mb_reason(m, errno);
	if (m->connected)
		modbus_close(m->ctx);
	m->connected = m->synced = 0;
	log_debug("%s: %s: %s", b->cfg->name, what, m->reason);
	if (m->fault)
		return;
	m->fault = 1;
	hal_report_fault(b->hal, b, 1, m->reason);
}

/*
 * Connect.  RS-485 mode is asked for the UARTs that drive the bus
 * direction from RTS; USB adapters and ptys answer ENOTTY and switch
 * direction themselves, which is fine.
 */
static int
mb_connect(struct hal_backend *b, struct mb_priv *m)
{
	errno = 0;
	if (modbus_connect(m->ctx) == -1) {
		mb_fail(b, m, "connect");
		return -1;
	}
	m->connected = 1;
	if (strcmp(b->cfg->transport, "rtu") == 0 &&
	    modbus_rtu_set_serial_mode(m->ctx, MODBUS_RTU_RS485) == -1)
		log_debug("%s: no kernel RS-485 mode: %s", b->cfg->name,
		    modbus_strerror(errno));
	modbus_flush(m->ctx);
	return 0;
}

/* The coil image index of a coil point, or -1. */
static int
mb_coil_index(struct mb_priv *m, int point)
{
	int i;

	for (i = 0; i < m->nrefs; i++)
		if (m->refs[i].point == point &&
		    m->refs[i].table == BOARD_MB_COIL)
			return m->refs[i].addr - m->r[BOARD_MB_COIL].lo;
	return -1;
}

/*
 * Write every dirty coil in one request: the covering range carries the
 * known values of the coils in between, so they do not change.
 */
static int
mb_write_dirty(struct hal_backend *b, struct mb_priv *m)
{
	const struct mb_range *r = &m->r[BOARD_MB_COIL];
	uint8_t v[MODBUS_MAX_WRITE_BITS];
	int i, lo = -1, hi = -1, rc;

	for (i = 0; i < r->n; i++)
		if (m->dirty[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	if (lo < 0)
		return 0;
	for (i = lo; i <= hi; i++)
		v[i - lo] = m->dirty[i] ? (uint8_t)m->want[i] : m->coils[i];
	if (lo == hi)
		rc = modbus_write_bit(m->ctx, r->lo + lo, v[0]);
	else
		rc = modbus_write_bits(m->ctx, r->lo + lo, hi - lo + 1, v);
	if (rc == -1) {
		mb_fail(b, m, "write coils");
		return -1;
	}
	memcpy(m->coils + lo, v, (size_t)(hi - lo + 1));
	memset(m->dirty + lo, 0, (size_t)(hi - lo + 1));
	return 0;
}

/* Report the coils as found, once, leaving out those already commanded. */
static void
mb_report_found(struct hal_backend *b, struct mb_priv *m)
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
 * After a connect: read the coils, report them the first time, and put
 * back every commanded coil the module does not have (it may have
 * restarted, or missed a write while away).
 */
static int
mb_sync(struct hal_backend *b, struct mb_priv *m)
{
	const struct mb_range *r = &m->r[BOARD_MB_COIL];
	int i;

	if (r->n > 0) {
		if (modbus_read_bits(m->ctx, r->lo, r->n, m->coils) == -1) {
			mb_fail(b, m, "read coils");
			return -1;
		}
		for (i = 0; i < r->n; i++)
			if (m->want[i] >= 0 && m->want[i] != m->coils[i])
				m->dirty[i] = 1;
	}
	m->synced = 1;
	mb_report_found(b, m);
	return mb_write_dirty(b, m);
}

/* Read the discrete inputs and the input registers, one request each. */
static int
mb_read_inputs(struct hal_backend *b, struct mb_priv *m)
{
	const struct mb_range *ri = &m->r[BOARD_MB_INPUT];
	const struct mb_range *rr = &m->r[BOARD_MB_REGISTER];

	if (ri->n > 0 &&
	    modbus_read_input_bits(m->ctx, ri->lo, ri->n, m->bits) == -1) {
		mb_fail(b, m, "read inputs");
		return -1;
	}
	if (rr->n > 0 &&
	    modbus_read_input_registers(m->ctx, rr->lo, rr->n, m->regs) == -1) {
		mb_fail(b, m, "read registers");
		return -1;
	}
	return 0;
}

/*
 * Report what changed since the last report.  The callbacks may write
 * coils, so nothing here may rely on the connection afterwards.
 */
static void
mb_report(struct hal_backend *b, struct mb_priv *m, uint64_t now)
{
	const struct board *bd = hal_board(b->hal);
	struct mb_ref *ref;
	int i, v;

	for (i = 0; i < m->nrefs; i++) {
		ref = &m->refs[i];
		if (ref->table == BOARD_MB_INPUT)
			v = m->bits[ref->addr - m->r[BOARD_MB_INPUT].lo] != 0;
		else if (ref->table == BOARD_MB_REGISTER)
			v = (int)mb_classify(&bd->points[ref->point],
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

/* One poll: connect if need be, restore coils, read, report. */
static void
mb_poll(struct hal_backend *b, struct mb_priv *m, uint64_t now)
{
	if (!m->connected && mb_connect(b, m) != 0)
		return;
	if (!m->synced && mb_sync(b, m) != 0)
		return;
	if (mb_read_inputs(b, m) != 0)
		return;
	if (m->fault) {
		m->fault = 0;
		hal_report_fault(b->hal, b, 0, NULL);
	}
	mb_report(b, m, now);
}

static void
mb_close(struct hal_backend *b)
{
	struct mb_priv *m = b->priv;

	if (m == NULL)
		return;
	if (m->ctx != NULL) {
		if (m->connected)
			modbus_close(m->ctx);
		modbus_free(m->ctx);
	}
	free(m->refs);
	free(m->bits);
	free(m->regs);
	free(m->coils);
	free(m->want);
	free(m->dirty);
	free(m);
	b->priv = NULL;
}

/*
 * Open: a module that does not answer yet is reported in fault and the
 * daemon starts anyway; it is retried every poll interval.
 */
static int
mb_open(struct hal_backend *b)
{
	struct mb_priv *m;
	uint64_t now;
	int err;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	b->priv = m;
	if (mb_collect(b, m) != 0 || mb_alloc(b, m) != 0 ||
	    mb_setup(b, m) != 0)
		goto err;
	now = clock_mono_ms();
	mb_poll(b, m, now);
	m->next_poll = now + m->poll_ms;
	log_info("%s: %d point(s) on %s %s, %s", b->cfg->name, m->nrefs,
	    b->cfg->transport, strcmp(b->cfg->transport, "rtu") == 0 ?
	    b->cfg->device : b->cfg->host, m->fault ? m->reason : "answering");
	return 0;
err:
	err = errno;
	mb_close(b);
	errno = err;
	return -1;
}

/* Everything is synchronous: the module has no descriptor to watch. */
static int
mb_pollfds(struct hal_backend *b, struct pollfd *pfd, int max)
{
	(void)b;
	(void)pfd;
	(void)max;
	return 0;
}

static void
mb_dispatch(struct hal_backend *b, const struct pollfd *pfd, int n)
{
	(void)b;
	(void)pfd;
	(void)n;
}

static uint64_t
mb_deadline(struct hal_backend *b)
{
	struct mb_priv *m = b->priv;

	return m->next_poll;
}

/*
 * Poll when due.  The next poll is one interval after this one was due,
 * or after now if the loop fell behind, so a late loop never makes the
 * module answer a burst of polls.
 */
static void
mb_tick(struct hal_backend *b, uint64_t now_ms)
{
	struct mb_priv *m = b->priv;

	if (now_ms < m->next_poll)
		return;
	m->next_poll += m->poll_ms;
	if (m->next_poll <= now_ms)
		m->next_poll = now_ms + m->poll_ms;
	mb_poll(b, m, now_ms);
}

/*
 * Queue the coils and write them in one request.  While the module is
 * away they stay queued, written when it answers again, and the write
 * fails with EIO so the caller knows the wire does not have them yet.
 */
static int
mb_write(struct hal_backend *b, const int *points, const int *levels, int n)
{
	struct mb_priv *m = b->priv;
	int i, k, rc = 0;

	for (i = 0; i < n; i++) {
		if ((k = mb_coil_index(m, points[i])) < 0) {
			log_warnx("%s: point %d is not a coil here",
			    b->cfg->name, points[i]);
			rc = -1;
			continue;
		}
		m->want[k] = levels[i] != 0;
		m->dirty[k] = 1;
	}
	if (!m->synced || mb_write_dirty(b, m) != 0) {
		errno = EIO;
		return -1;
	}
	if (rc != 0)
		errno = EINVAL;
	return rc;
}

const struct hal_backend_ops hal_modbus_ops = {
	.type = "modbus",
	.open = mb_open,
	.close = mb_close,
	.pollfds = mb_pollfds,
	.dispatch = mb_dispatch,
	.deadline = mb_deadline,
	.tick = mb_tick,
	.write = mb_write,
};
