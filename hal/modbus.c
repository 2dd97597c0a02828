/*
 * The modbus backend: one remote I/O module per backend section, over
 * Modbus TCP or RTU, through libmodbus 3.1.6.  Every libmodbus call of
 * the daemon lives in this file; modbus_image.c keeps the module's image
 * (addresses, values read, coils commanded) and does no I/O.
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
 * poll, once per poll interval; over TCP that connect does not wait, so a
 * module that is switched off costs the loop nothing while it stays off.
 * Coils commanded while the module was
 * away are written when it answers again, so a module that restarted is
 * brought back to what the doors need.
 *
 * This file's own names start with mb_, keeping them apart from
 * libmodbus's modbus_.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "modbus_int.h"

#define MB_POLL_MS	100	/* when the board does not say */
#define MB_TIMEOUT_MS	50

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

/* The module's TCP port: the board's, or Modbus's own. */
static int
mb_port(const struct board_modbus *c)
{
	return c->port > 0 ? c->port : 502;
}

/* Make the libmodbus context for the board's transport. */
static modbus_t *
mb_new_ctx(struct hal_backend *b)
{
	const struct board_modbus *c = &b->cfg->conf.modbus;
	struct in_addr a;

	if (strcmp(c->transport, "rtu") == 0)
		return modbus_new_rtu(c->device, c->baud > 0 ? c->baud : 19200,
		    c->parity != '\0' ? c->parity : 'N', 8, 1);
	/* A host name would be resolved on every reconnect, blocking. */
	if (inet_pton(AF_INET, c->host, &a) != 1) {
		log_warnx("%s: host '%s' is not an IPv4 address", b->cfg->name,
		    c->host);
		errno = EINVAL;
		return NULL;
	}
	return modbus_new_tcp(c->host, mb_port(c));
}

/* Make and set up the context; no I/O yet. */
static int
mb_setup(struct hal_backend *b, struct mb_priv *m)
{
	const struct board_modbus *c = &b->cfg->conf.modbus;
	int unit = c->unit >= 0 ? c->unit : 1;

	if ((m->ctx = mb_new_ctx(b)) == NULL) {
		log_warn("%s: modbus context", b->cfg->name);
		return -1;
	}
	if (modbus_set_slave(m->ctx, unit) == -1 ||
	    mb_timeouts(m->ctx, c->timeout_ms > 0 ? c->timeout_ms :
	    MB_TIMEOUT_MS) == -1) {
		log_warn("%s: unit %d, timeout %d ms", b->cfg->name, unit,
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
	if (strcmp(b->cfg->conf.modbus.transport, "rtu") == 0 &&
	    modbus_rtu_set_serial_mode(m->ctx, MODBUS_RTU_RS485) == -1)
		log_debug("%s: no kernel RS-485 mode: %s", b->cfg->name,
		    modbus_strerror(errno));
	modbus_flush(m->ctx);
	return 0;
}

/*
 * Start a TCP connect without waiting for it.  A module that is switched
 * off or unplugged would otherwise cost the loop a timeout at every
 * retry; the socket goes out through pollfds and is finished in dispatch.
 */
static void
mb_connect_start(struct hal_backend *b, struct mb_priv *m)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, one = 1, err;

	sin.sin_port = htons((uint16_t)mb_port(&b->cfg->conf.modbus));
	inet_pton(AF_INET, b->cfg->conf.modbus.host, &sin.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		mb_fail(b, m, "socket");
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ||
	    errno == EINPROGRESS) {
		m->pending = fd;
		return;
	}
	err = errno;
	close(fd);
	errno = err;
	mb_fail(b, m, "connect");
}

/* A connect under way at the next poll has timed out: drop it. */
static void
mb_connect_drop(struct hal_backend *b, struct mb_priv *m)
{
	if (m->pending < 0)
		return;
	close(m->pending);
	m->pending = -1;
	errno = ETIMEDOUT;
	mb_fail(b, m, "connect");
}

/* Write every dirty coil in one request (a single coil: write_bit). */
static int
mb_write_dirty(struct hal_backend *b, struct mb_priv *m)
{
	uint8_t v[MODBUS_MAX_WRITE_BITS];
	int lo = 0, n, addr, rc;

	if ((n = mb_image_span(m, &lo, v)) == 0)
		return 0;
	addr = m->r[BOARD_MB_COIL].lo + lo;
	if (n == 1)
		rc = modbus_write_bit(m->ctx, addr, v[0]);
	else
		rc = modbus_write_bits(m->ctx, addr, n, v);
	if (rc == -1) {
		mb_fail(b, m, "write coils");
		return -1;
	}
	mb_image_written(m, lo, n, v);
	return 0;
}

/*
 * After a connect: read the coils, report them the first time, and put
 * back every commanded coil the module does not have.
 */
static int
mb_sync(struct hal_backend *b, struct mb_priv *m)
{
	const struct mb_range *r = &m->r[BOARD_MB_COIL];

	if (r->n > 0 && modbus_read_bits(m->ctx, r->lo, r->n, m->coils) == -1) {
		mb_fail(b, m, "read coils");
		return -1;
	}
	mb_image_restore(m);
	m->synced = 1;
	mb_image_report_found(b, m);
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
 * One poll: connect if need be, restore coils, read, report.  A
 * reconnect over TCP only starts here; mb_connect_done() polls once the
 * module has accepted.
 */
static void
mb_poll(struct hal_backend *b, struct mb_priv *m, uint64_t now)
{
	if (!m->connected && m->async) {
		mb_connect_drop(b, m);
		mb_connect_start(b, m);
		return;
	}
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
	mb_image_report(b, m, now);
}

/* A connect started by mb_connect_start() finished: poll at once. */
static void
mb_connect_done(struct hal_backend *b, struct mb_priv *m)
{
	int err = 0, fd = m->pending;
	socklen_t len = sizeof(err);

	m->pending = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		close(fd);
		errno = err;
		mb_fail(b, m, "connect");
		return;
	}
	modbus_set_socket(m->ctx, fd);
	m->connected = 1;
	mb_poll(b, m, clock_mono_ms());
}

/* Close the connection and free the module; no coil is written. */
static void
mb_close(struct hal_backend *b)
{
	struct mb_priv *m = b->priv;

	if (m == NULL)
		return;
	if (m->pending >= 0)
		close(m->pending);
	if (m->ctx != NULL) {
		if (m->connected)
			modbus_close(m->ctx);
		modbus_free(m->ctx);
	}
	mb_image_free(m);
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
	m->pending = -1;
	b->priv = m;
	if (mb_image_build(b, m) != 0 || mb_setup(b, m) != 0)
		goto err;
	now = clock_mono_ms();
	mb_poll(b, m, now);	/* waits, so the inputs are known at open */
	m->async = strcmp(b->cfg->conf.modbus.transport, "tcp") == 0;
	m->next_poll = now + m->poll_ms;
	log_info("%s: %d point(s) on %s %s, %s", b->cfg->name, m->nrefs,
	    b->cfg->conf.modbus.transport, strcmp(b->cfg->conf.modbus.transport, "rtu") == 0 ?
	    b->cfg->conf.modbus.device : b->cfg->conf.modbus.host, m->fault ? m->reason : "answering");
	return 0;
err:
	err = errno;
	mb_close(b);
	errno = err;
	return -1;
}

/* A TCP connect under way is the only descriptor to watch. */
static int
mb_pollfds(struct hal_backend *b, struct pollfd *pfd, int max)
{
	struct mb_priv *m = b->priv;

	if (m->pending < 0 || max < 1)
		return 0;
	pfd->fd = m->pending;
	pfd->events = POLLOUT;
	pfd->revents = 0;
	return 1;
}

/* Finish a connect under way once its socket says how it went. */
static void
mb_dispatch(struct hal_backend *b, const struct pollfd *pfd, int n)
{
	struct mb_priv *m = b->priv;

	if (n > 0 && pfd->fd == m->pending && m->pending >= 0 &&
	    pfd->revents != 0)
		mb_connect_done(b, m);
}

/* The next poll is the backend's only timer. */
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
	int rc = mb_image_queue(b, m, points, levels, n);

	if (!m->synced || mb_write_dirty(b, m) != 0) {
		errno = EIO;
		return -1;
	}
	return rc;
}

/*
 * Send the coil write without waiting for its answer (TCP: each module
 * has its own connection, so the writes to several modules overlap).
 * An RTU line is one bus, half duplex: its write is made whole here.
 */
static int
mb_write_send(struct hal_backend *b, const int *points, const int *levels,
    int n)
{
	struct mb_priv *m = b->priv;
	uint8_t req[8 + MODBUS_MAX_WRITE_BITS / 8 + 1];
	int rc = mb_image_queue(b, m, points, levels, n), addr, len, i;

	if (!m->async)
		return mb_write(b, points, levels, 0) == 0 ? rc : -1;
	if (!m->synced) {
		errno = EIO;
		return -1;
	}
	if ((n = mb_image_span(m, &m->inflight_lo, m->inflight_v)) == 0)
		return rc;
	addr = m->r[BOARD_MB_COIL].lo + m->inflight_lo;
	req[0] = (uint8_t)modbus_get_slave(m->ctx);
	req[2] = (uint8_t)(addr >> 8);
	req[3] = (uint8_t)addr;
	if (n == 1) {
		req[1] = MODBUS_FC_WRITE_SINGLE_COIL;
		req[4] = m->inflight_v[0] ? 0xff : 0x00;
		req[5] = 0;
		len = 6;
	} else {
		req[1] = MODBUS_FC_WRITE_MULTIPLE_COILS;
		req[4] = (uint8_t)(n >> 8);
		req[5] = (uint8_t)n;
		req[6] = (uint8_t)((n + 7) / 8);
		memset(req + 7, 0, req[6]);
		for (i = 0; i < n; i++)
			if (m->inflight_v[i])
				req[7 + i / 8] |= (uint8_t)(1u << (i % 8));
		len = 7 + req[6];
	}
	if (modbus_send_raw_request(m->ctx, req, len) == -1) {
		mb_fail(b, m, "write coils");
		errno = EIO;
		return -1;
	}
	m->inflight = n;
	m->inflight_fc = req[1];
	return rc;
}

/* The answer to the write mb_write_send sent: the coils are written. */
static int
mb_write_wait(struct hal_backend *b)
{
	struct mb_priv *m = b->priv;
	uint8_t rsp[MODBUS_MAX_ADU_LENGTH];
	int n = m->inflight, hl, rc;

	if (n == 0)
		return 0;
	m->inflight = 0;
	hl = modbus_get_header_length(m->ctx);
	rc = modbus_receive_confirmation(m->ctx, rsp);
	if (rc > hl && (rsp[hl] & 0x80) != 0) {
		errno = EMBXILVAL;	/* the module refused it */
		rc = -1;
	} else if (rc > hl && rsp[hl] != m->inflight_fc) {
		errno = EMBBADDATA;	/* not the answer to this write */
		rc = -1;
	}
	if (rc <= hl) {
		mb_fail(b, m, "write coils");
		errno = EIO;
		return -1;
	}
	mb_image_written(m, m->inflight_lo, n, m->inflight_v);
	return 0;
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
	.write_send = mb_write_send,
	.write_wait = mb_write_wait,
};
