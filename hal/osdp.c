/*
 * The osdp backend: a Control Panel for the OSDP readers on one RS-485
 * line.  The line is half duplex and the CP speaks first: one command is
 * out at a time, to one reader, and the next waits for its reply or its
 * deadline (timeout_ms).  Readers take turns; a command whose reply did
 * not come is sent again, byte for byte, at its reader's next turn (the
 * Secure Channel's MAC chain needs the very same frame), and after
 * OSDP_RETRIES the reader's session starts over.  A reader silent for
 * offline_ms is offline, whatever the turns, so a silent reader is
 * reported on time even when others share the line.
 *
 * All I/O is non-blocking on a raw termios line driven by the daemon's
 * poll loop; nothing here waits.  osdp_cp.c decides what is said.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "osdp_int.h"

#define OSDP_REOPEN_MS	1000

static speed_t
osdp_speed(int baud)
{
	switch (baud) {
	case 9600:	return B9600;
	case 19200:	return B19200;
	case 38400:	return B38400;
	case 57600:	return B57600;
	case 230400:	return B230400;
	default:	return B115200;
	}
}

/* Open the line raw, 8N1, non-blocking; 0 or -1 with errno. */
static int
osdp_line_open(struct osdp_bus *bus)
{
	const struct board_osdp *c = &bus->be->cfg->conf.osdp;
	struct termios t;
	int fd;

	if ((fd = open(c->device, O_RDWR | O_NOCTTY | O_NONBLOCK |
	    O_CLOEXEC)) < 0)
		return -1;
	if (tcgetattr(fd, &t) != 0)
		goto err;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, osdp_speed(c->baud)) != 0 ||
	    cfsetospeed(&t, osdp_speed(c->baud)) != 0 ||
	    tcsetattr(fd, TCSANOW, &t) != 0)
		goto err;
	tcflush(fd, TCIOFLUSH);
	bus->fd = fd;
	return 0;
err:
	close(fd);
	return -1;
}

/* Try the line; a line that cannot be opened is the bus's fault. */
static void
osdp_line_try(struct osdp_bus *bus, uint64_t now)
{
	char why[160];

	if (osdp_line_open(bus) == 0) {
		hal_report_fault(bus->be->hal, bus->be, 0, NULL);
		return;
	}
	snprintf(why, sizeof(why), "%.120s: %s",
	    bus->be->cfg->conf.osdp.device, strerror(errno));
	hal_report_fault(bus->be->hal, bus->be, 1, why);
	bus->reopen_at = now + OSDP_REOPEN_MS;
}

/*
 * The line went away (an adapter unplugged): whatever is on it when it
 * comes back starts from its identity, so a reader that restarted
 * meanwhile is not taken for one that lost its session to an attacker.
 */
static void
osdp_line_close(struct osdp_bus *bus, uint64_t now, const char *why)
{
	int i;

	for (i = 0; i < bus->npd; i++)
		if (bus->pd[i].phase != OSDP_PH_REFUSED)
			osdp_cp_restart(&bus->pd[i]);
	if (bus->fd >= 0)
		close(bus->fd);
	bus->fd = -1;
	bus->waiting = false;
	bus->txlen = bus->txoff = 0;
	osdp_rx_init(&bus->rx);
	bus->reopen_at = now + OSDP_REOPEN_MS;
	hal_report_fault(bus->be->hal, bus->be, 1, why);
}

/* The readers of this backend, in board order. */
static int
osdp_find_pds(struct osdp_bus *bus, uint64_t now)
{
	const struct board *b = hal_board(bus->be->hal);
	struct osdp_pd *pd;
	int i;

	for (i = 0; i < b->npoints; i++) {
		if (b->points[i].backend != bus->be->index ||
		    b->points[i].kind != BOARD_READER)
			continue;
		if (bus->npd == OSDP_PDS_MAX) {
			log_warnx("backend %s: more than %d readers",
			    bus->be->cfg->name, OSDP_PDS_MAX);
			return -1;
		}
		pd = &bus->pd[bus->npd++];
		pd->point = i;
		pd->addr = (uint8_t)b->points[i].address;
		pd->last_reply = now;
		osdp_cp_restart(pd);
	}
	return 0;
}

static int
osdp_open(struct hal_backend *be)
{
	struct osdp_bus *bus = calloc(1, sizeof(*bus));
	uint64_t now = clock_mono_ms();

	if (bus == NULL)
		return -1;
	bus->be = be;
	bus->fd = -1;
	be->priv = bus;
	osdp_rx_init(&bus->rx);
	if (osdp_find_pds(bus, now) != 0) {
		free(bus);
		be->priv = NULL;
		errno = EINVAL;
		return -1;
	}
	osdp_line_try(bus, now);
	return 0;
}

static void
osdp_close(struct hal_backend *be)
{
	struct osdp_bus *bus = be->priv;

	if (bus == NULL)
		return;
	if (bus->fd >= 0)
		close(bus->fd);
	explicit_bzero(bus, sizeof(*bus));
	free(bus);
	be->priv = NULL;
}

static int
osdp_pollfds(struct hal_backend *be, struct pollfd *pfd, int max)
{
	struct osdp_bus *bus = be->priv;

	if (bus->fd < 0 || max < 1)
		return 0;
	pfd->fd = bus->fd;
	pfd->events = POLLIN | (bus->txoff < bus->txlen ? POLLOUT : 0);
	pfd->revents = 0;
	return 1;
}

/* Write what is left of the command; the rest waits for POLLOUT. */
static void
osdp_send_more(struct osdp_bus *bus, uint64_t now)
{
	ssize_t w;

	while (bus->txoff < bus->txlen) {
		w = write(bus->fd, bus->tx + bus->txoff,
		    bus->txlen - bus->txoff);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w < 0) {
			osdp_line_close(bus, now, strerror(errno));
			return;
		}
		bus->txoff += (size_t)w;
	}
}

/*
 * The turn passes to the next reader at once; after a round of every
 * reader the bus pauses poll_ms, so that a line with nothing to say (a
 * pty is not paced by a baud rate) does not keep the loop spinning.
 */
static void
osdp_next_turn(struct osdp_bus *bus, uint64_t now)
{
	bus->waiting = false;
	bus->cur = (bus->cur + 1) % bus->npd;
	bus->next_at = now + (bus->cur == 0 ?
	    (uint64_t)bus->be->cfg->conf.osdp.poll_ms : 0);
}

/* A whole frame came in: the awaited reply, or something to ignore. */
static void
osdp_frame_in(struct osdp_bus *bus, const struct osdp_frame *f,
    uint64_t now)
{
	struct osdp_pd *pd = &bus->pd[bus->cur];

	/* Echoes of our own commands (a 2-wire adapter), a stray reply
	 * after its deadline, or another reader's: none is this reply. */
	if (!bus->waiting || !f->reply || f->addr != pd->addr ||
	    f->sqn != pd->sqn)
		return;
	pd->tries = 0;
	osdp_cp_reply(bus, pd, f, now);
	osdp_next_turn(bus, now);
}

static void
osdp_read(struct osdp_bus *bus, uint64_t now)
{
	uint8_t buf[512];
	struct osdp_frame f;
	const char *why;
	ssize_t n, i;

	for (;;) {
		n = read(bus->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		/* A raw tty with VMIN and VTIME 0 reads 0 when it has
		 * nothing: a line that hung up says so with POLLHUP or EIO. */
		if (n == 0 || (n < 0 && errno == EAGAIN))
			return;
		if (n < 0) {
			osdp_line_close(bus, now, strerror(errno));
			return;
		}
		for (i = 0; i < n; i++)
			if (osdp_rx_byte(&bus->rx, buf[i], &f, &why) ==
			    OSDP_RX_FRAME)
				osdp_frame_in(bus, &f, now);
	}
}

static void
osdp_dispatch(struct hal_backend *be, const struct pollfd *pfd, int n)
{
	struct osdp_bus *bus = be->priv;
	uint64_t now = clock_mono_ms();

	if (n < 1 || bus->fd < 0 || pfd->fd != bus->fd)
		return;
	if (pfd->revents & POLLIN)
		osdp_read(bus, now);
	if (bus->fd >= 0 && (pfd->revents & (POLLHUP | POLLERR)) &&
	    !(pfd->revents & POLLIN))
		osdp_line_close(bus, now, "line hung up");
	if (bus->fd >= 0 && (pfd->revents & POLLOUT))
		osdp_send_more(bus, now);
}

/* Readers silent for offline_ms are offline. */
static void
osdp_supervise(struct osdp_bus *bus, uint64_t now)
{
	uint64_t lim = (uint64_t)bus->be->cfg->conf.osdp.offline_ms;
	int i;

	/* A refused reader is in alarm already and is not asked anything
	 * until its retry; it is supervised again from then. */
	for (i = 0; i < bus->npd; i++)
		if (!bus->pd[i].offline &&
		    bus->pd[i].phase != OSDP_PH_REFUSED &&
		    now - bus->pd[i].last_reply >= lim)
			osdp_cp_silent(bus, &bus->pd[i], now);
}

/* The reply did not come: the same frame goes again next turn. */
static void
osdp_timeout(struct osdp_bus *bus, uint64_t now)
{
	struct osdp_pd *pd = &bus->pd[bus->cur];

	osdp_rx_init(&bus->rx);
	if (++pd->tries > OSDP_RETRIES) {
		pd->tries = 0;
		osdp_cp_restart(pd);
	}
	osdp_next_turn(bus, now);
}

/* Send the next command of the first reader, from cur, that has one. */
static void
osdp_send_next(struct osdp_bus *bus, uint64_t now)
{
	struct osdp_pd *pd;
	size_t n = 0;
	int k;

	for (k = 0; k < bus->npd; k++) {
		pd = &bus->pd[bus->cur];
		if (pd->tries > 0) {		/* the same frame again */
			memcpy(bus->tx, pd->last_tx, pd->last_len);
			bus->tx_code = pd->last_code;
			n = pd->last_len;
		} else if ((n = osdp_cp_next(bus, pd, now)) > 0) {
			memcpy(pd->last_tx, bus->tx, n);
			pd->last_len = n;
			pd->last_code = bus->tx_code;
		}
		if (n > 0)
			break;
		bus->cur = (bus->cur + 1) % bus->npd;
	}
	if (n == 0) {
		bus->next_at = now + OSDP_REFUSED_RETRY_MS / 10;
		return;
	}
	bus->txlen = n;
	bus->txoff = 0;
	osdp_rx_init(&bus->rx);
	bus->waiting = true;
	bus->deadline = now + (uint64_t)bus->be->cfg->conf.osdp.timeout_ms;
	osdp_send_more(bus, now);
}

static void
osdp_tick(struct hal_backend *be, uint64_t now)
{
	struct osdp_bus *bus = be->priv;

	if (bus->npd == 0)
		return;
	osdp_supervise(bus, now);
	if (bus->fd < 0) {
		if (now >= bus->reopen_at)
			osdp_line_try(bus, now);
		return;
	}
	if (bus->waiting && now >= bus->deadline)
		osdp_timeout(bus, now);
	if (!bus->waiting && now >= bus->next_at)
		osdp_send_next(bus, now);
}

static uint64_t
osdp_deadline(struct hal_backend *be)
{
	struct osdp_bus *bus = be->priv;
	uint64_t lim = (uint64_t)be->cfg->conf.osdp.offline_ms, d;
	int i;

	if (bus->npd == 0)
		return 0;
	d = bus->fd < 0 ? bus->reopen_at : bus->waiting ? bus->deadline :
	    bus->next_at;
	if (d == 0)
		d = 1;
	for (i = 0; i < bus->npd; i++)
		if (!bus->pd[i].offline &&
		    bus->pd[i].phase != OSDP_PH_REFUSED &&
		    bus->pd[i].last_reply + lim < d)
			d = bus->pd[i].last_reply + lim;
	return d;
}

static int
osdp_write(struct hal_backend *be, const int *points, const int *levels,
    int n)
{
	(void)be;
	(void)points;
	(void)levels;
	(void)n;
	errno = EINVAL;		/* an OSDP bus drives no outputs */
	return -1;
}

/* The reader of a point on this bus, or NULL. */
static struct osdp_pd *
osdp_pd_of(struct hal_backend *be, int point)
{
	struct osdp_bus *bus = be->priv;
	int i;

	for (i = 0; i < bus->npd; i++)
		if (bus->pd[i].point == point)
			return &bus->pd[i];
	errno = EINVAL;
	return NULL;
}

static int
osdp_reader_signal(struct hal_backend *be, int point, enum hal_signal sig)
{
	struct osdp_pd *pd = osdp_pd_of(be, point);

	if (pd == NULL || (unsigned)sig > HAL_SIGNAL_WAIT)
		return -1;
	osdp_cp_signal(pd, sig);
	return 0;
}

/* A new key (or none) ends the reader's session: it starts over. */
static int
osdp_reader_key(struct hal_backend *be, int point, const uint8_t *key)
{
	struct osdp_pd *pd = osdp_pd_of(be, point);

	if (pd == NULL)
		return -1;
	pd->has_key = key != NULL;
	if (key != NULL)
		memcpy(pd->scbk, key, OSDP_KEY_LEN);
	else
		explicit_bzero(pd->scbk, sizeof(pd->scbk));
	osdp_cp_restart(pd);
	return 0;
}

static int
osdp_reader_install(struct hal_backend *be, int point, const uint8_t *key,
    uint64_t until_ms)
{
	struct osdp_pd *pd = osdp_pd_of(be, point);

	if (pd == NULL)
		return -1;
	memcpy(pd->new_key, key, OSDP_KEY_LEN);
	pd->install_until = until_ms;
	/* A refusal stands until a reply verifies under the new key. */
	osdp_cp_restart(pd);
	return 0;
}

const struct hal_backend_ops hal_osdp_ops = {
	.type = "osdp",
	.open = osdp_open,
	.close = osdp_close,
	.pollfds = osdp_pollfds,
	.dispatch = osdp_dispatch,
	.deadline = osdp_deadline,
	.tick = osdp_tick,
	.write = osdp_write,
	.reader_signal = osdp_reader_signal,
	.reader_key = osdp_reader_key,
	.reader_install = osdp_reader_install,
};
