/*
 * The osdp backend: a Control Panel for the OSDP readers on one RS-485
 * line.  The line is half duplex and the CP speaks first: one command is
 * out at a time, to one reader, and the next waits for its reply or its
 * deadline (timeout_ms).  Readers take turns; a command whose reply did
 * not come is sent again, byte for byte, at its reader's next turn (the
 * Secure Channel's MAC chain needs the very same frame), and after
 * OSDP_RETRIES the reader's session starts over.  A reader silent for
 * offline_ms is offline, whatever the turns, so a silent reader is
 * reported on time even when others share the line; an offline reader
 * is then asked only once every OSDP_PROBE_MS while another reader on
 * its line answers, so that it does not cost that one a reply deadline
 * at every round.
 *
 * The next command goes as soon as the line may carry it: the reply is
 * in, the line has been idle two character times (the standard's
 * turnaround), and the exchange has had the time its bytes take at the
 * line's baud rate.  On a real line that last bound is already met when
 * the reply is in; on a pty, which carries bytes at no rate at all, it
 * keeps the pace a real line would.  poll_ms is a pause after a round in
 * which every reader only answered its POLL with an ACK.  That schedule
 * is in microseconds, on a timerfd of the bus's own, not on the loop's
 * millisecond timers (a poll() timeout rounded to the next millisecond
 * would add up to a millisecond at every turn).
 *
 * All I/O is non-blocking on a raw termios line driven by the daemon's
 * poll loop; nothing here waits.  osdp_cp.c decides what is said.
 */
#include <sys/timerfd.h>

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

/* Microseconds n bytes take on the line: 10 bits a byte (8N1). */
static uint64_t
osdp_wire_us(const struct osdp_bus *bus, size_t n)
{
	return (uint64_t)n * 10000000u /
	    (uint64_t)bus->be->cfg->conf.osdp.baud;
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

	for (i = 0; i < bus->npd; i++) {
		if (bus->pd[i].phase != OSDP_PH_REFUSED)
			osdp_cp_restart(&bus->pd[i]);
		bus->pd[i].probe_at = 0;	/* asked as soon as it opens */
	}
	if (bus->fd >= 0)
		close(bus->fd);
	bus->fd = -1;
	bus->waiting = false;
	bus->free_us = bus->next_us = 0;
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
	bus->round_idle = true;
	be->priv = bus;
	if ((bus->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) < 0)
		log_warn("backend %s: timerfd (the line is paced to the ms)",
		    be->cfg->name);
	osdp_rx_init(&bus->rx);
	if (osdp_find_pds(bus, now) != 0) {
		if (bus->tfd >= 0)
			close(bus->tfd);
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
	if (bus->tfd >= 0)
		close(bus->tfd);
	explicit_bzero(bus, sizeof(*bus));
	free(bus);
	be->priv = NULL;
}

/* Arm the bus's timer at at_us, absolute (0: disarm), if it changed. */
static void
osdp_timer_arm(struct osdp_bus *bus, uint64_t at_us)
{
	if (hal_timerfd_arm(bus->tfd, &bus->armed_us, at_us) == -1)
		log_warn("backend %s: timerfd_settime", bus->be->cfg->name);
}

/* The line, and the timer armed at the next command while none is out. */
static int
osdp_pollfds(struct hal_backend *be, struct pollfd *pfd, int max)
{
	struct osdp_bus *bus = be->priv;
	int n = 0;

	bus->timer_polled = false;
	if (bus->fd < 0 || max < 1)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = bus->fd, .events = POLLIN |
	    (bus->txoff < bus->txlen ? POLLOUT : 0) };
	if (bus->tfd >= 0 && max >= 2) {
		/* 1 us since boot is long past: due at once. */
		osdp_timer_arm(bus, bus->waiting ? 0 : bus->next_us != 0 ?
		    bus->next_us : 1);
		pfd[n++] = (struct pollfd){ .fd = bus->tfd, .events = POLLIN };
		bus->timer_polled = true;
	}
	return n;
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
 * The exchange is over (rxlen bytes came back, 0 if none): the turn
 * passes to the next reader as soon as the line may carry its command.
 * That is two character times after the reply (the standard's
 * turnaround), and not before the exchange has had the time its bytes
 * and both turnarounds take on the line.  After a round in which every
 * reader had nothing to say the bus pauses poll_ms more.
 */
static void
osdp_next_turn(struct osdp_bus *bus, size_t rxlen)
{
	uint64_t now = clock_mono_us(), gap = osdp_wire_us(bus, 2), paced;

	paced = bus->sent_us + osdp_wire_us(bus, bus->txlen) + gap +
	    osdp_wire_us(bus, rxlen);
	bus->waiting = false;
	bus->free_us = (paced > now ? paced : now) + gap;
	bus->next_us = bus->free_us;
	if (bus->tx_pd != bus->cur)
		return;			/* an answer out of turn */
	bus->cur = (bus->cur + 1) % bus->npd;
	if (bus->cur == 0) {
		if (bus->round_idle)
			bus->next_us += (uint64_t)bus->be->cfg->conf.osdp
			    .poll_ms * 1000u;
		bus->round_idle = true;
	}
}

/* Something to say (a signal, a new key): no idle pause before it. */
static void
osdp_wake(struct osdp_bus *bus)
{
	if (!bus->waiting && bus->next_us > bus->free_us)
		bus->next_us = bus->free_us;
}

/* A whole frame came in: the awaited reply, or something to ignore. */
static void
osdp_frame_in(struct osdp_bus *bus, const struct osdp_frame *f,
    uint64_t now)
{
	struct osdp_pd *pd = &bus->pd[bus->tx_pd];

	/* Echoes of our own commands (a 2-wire adapter), a stray reply
	 * after its deadline, or another reader's: none is this reply. */
	if (!bus->waiting || !f->reply || f->addr != pd->addr ||
	    f->sqn != pd->sqn)
		return;
	pd->tries = 0;
	if (bus->tx_code != OSDP_CMD_POLL || f->code != OSDP_REPLY_ACK)
		bus->round_idle = false;
	osdp_cp_reply(bus, pd, f, now);
	osdp_next_turn(bus, f->len);
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

static void osdp_send_next(struct osdp_bus *, uint64_t now);

/* The next command, if none is out and its time has come. */
static void
osdp_try_send(struct osdp_bus *bus, uint64_t now)
{
	if (bus->fd >= 0 && !bus->waiting && clock_mono_us() >= bus->next_us)
		osdp_send_next(bus, now);
}

static void
osdp_dispatch(struct hal_backend *be, const struct pollfd *pfd, int n)
{
	struct osdp_bus *bus = be->priv;
	uint64_t now = clock_mono_ms(), expired;
	int fd = bus->fd, i;

	if (fd < 0)
		return;
	for (i = 0; i < n; i++) {
		if (pfd[i].fd == bus->tfd && (pfd[i].revents & POLLIN) &&
		    read(bus->tfd, &expired, sizeof(expired)) ==
		    (ssize_t)sizeof(expired))
			bus->armed_us = 0;
		if (pfd[i].fd != fd)
			continue;
		if (pfd[i].revents & POLLIN)
			osdp_read(bus, now);
		if (bus->fd >= 0 && (pfd[i].revents & (POLLHUP | POLLERR)) &&
		    !(pfd[i].revents & POLLIN))
			osdp_line_close(bus, now, "line hung up");
		if (bus->fd >= 0 && (pfd[i].revents & POLLOUT))
			osdp_send_more(bus, now);
	}
	/* A reply just in, or the timer: the next command goes now. */
	osdp_try_send(bus, now);
}

/*
 * Whether the reader may be judged silent: it was asked and a reply
 * deadline passed since its last reply (or the line is gone).  Time in
 * which the loop was too busy to ask it (a slow disk) is no silence of
 * the reader's.  A refused reader is in alarm already and is not asked
 * anything until its retry; it is supervised again from then.
 */
static bool
osdp_watched(const struct osdp_bus *bus, const struct osdp_pd *pd)
{
	return !pd->offline && pd->phase != OSDP_PH_REFUSED &&
	    (pd->missed || bus->fd < 0);
}

/* Whether the reader has been silent for offline_ms. */
static bool
osdp_silent(const struct osdp_bus *bus, const struct osdp_pd *pd,
    uint64_t now)
{
	return osdp_watched(bus, pd) && now - pd->last_reply >=
	    (uint64_t)bus->be->cfg->conf.osdp.offline_ms;
}

/* Readers silent for offline_ms are offline. */
static void
osdp_supervise(struct osdp_bus *bus, uint64_t now)
{
	int i;

	for (i = 0; i < bus->npd; i++)
		if (osdp_silent(bus, &bus->pd[i], now))
			osdp_cp_silent(bus, &bus->pd[i], now);
}

/*
 * A deadline is about to be judged: first whatever the line holds.  A
 * reply that came while the loop was busy elsewhere (a slow disk under a
 * lock's write) is a reply, not a silence.
 */
static void
osdp_read_due(struct osdp_bus *bus, uint64_t now)
{
	int i;
	bool due = bus->waiting && now >= bus->deadline;

	for (i = 0; !due && i < bus->npd; i++)
		due = osdp_silent(bus, &bus->pd[i], now);
	if (due && bus->fd >= 0)
		osdp_read(bus, now);
}

/* The reply did not come: the same frame goes again next turn. */
static void
osdp_timeout(struct osdp_bus *bus)
{
	struct osdp_pd *pd = &bus->pd[bus->tx_pd];

	osdp_rx_init(&bus->rx);
	pd->missed = true;
	if (++pd->tries > OSDP_RETRIES) {
		pd->tries = 0;
		osdp_cp_restart(pd);
	}
	osdp_next_turn(bus, 0);
}

/*
 * Whether an offline reader waits for its probe: only while another
 * reader on the line answers, whose polls its reply deadlines would
 * hold up.  Alone on its line it is asked at every turn, and found again
 * as soon as it answers.
 */
static bool
osdp_probe_wait(const struct osdp_bus *bus, const struct osdp_pd *pd,
    uint64_t now)
{
	int i;

	if (!pd->offline || now >= pd->probe_at)
		return false;
	for (i = 0; i < bus->npd; i++)
		if (&bus->pd[i] != pd && !bus->pd[i].offline &&
		    bus->pd[i].phase != OSDP_PH_REFUSED)
			return true;
	return false;
}

/*
 * Nobody has anything to send now (refused readers waiting for their
 * retry, offline ones for their probe): the bus's next look is the
 * earliest of those.
 */
static void
osdp_idle_until(struct osdp_bus *bus, uint64_t now)
{
	uint64_t t = now + OSDP_PROBE_MS, d;
	int i;

	for (i = 0; i < bus->npd; i++) {
		d = bus->pd[i].phase == OSDP_PH_REFUSED ? bus->pd[i].retry_at :
		    osdp_probe_wait(bus, &bus->pd[i], now) ?
		    bus->pd[i].probe_at : now;
		if (d < t)
			t = d;
	}
	bus->next_us = (t > now ? t : now + 1) * 1000u;
}

/*
 * A reader that has just been given a decision to show (LED, buzzer)
 * gets the line out of turn, so that the person at it sees the answer
 * one exchange after the decision, not up to a round later; the round
 * then goes on where it was.  (Its buzzer follows at its own next turn,
 * after a POLL: osdp_cp.c.)  Returns the frame's length, or 0.
 */
static size_t
osdp_send_output(struct osdp_bus *bus, uint64_t now)
{
	struct osdp_pd *pd;
	int i;

	for (i = 0; i < bus->npd; i++) {
		pd = &bus->pd[i];
		if (pd->offline || pd->tries > 0 || !osdp_cp_output_next(pd))
			continue;
		bus->tx_pd = i;
		return osdp_cp_next(bus, pd, now);
	}
	return 0;
}

/* Send the next command: queued output first, then the next reader,
 * from cur, that has one. */
static void
osdp_send_next(struct osdp_bus *bus, uint64_t now)
{
	struct osdp_pd *pd;
	size_t n = osdp_send_output(bus, now);
	int k;

	for (k = 0; n == 0 && k < bus->npd; k++) {
		pd = &bus->pd[bus->cur];
		bus->tx_pd = bus->cur;
		if (osdp_probe_wait(bus, pd, now))
			n = 0;			/* not asked yet */
		else if (pd->tries > 0) {	/* the same frame again */
			memcpy(bus->tx, pd->last_tx, pd->last_len);
			bus->tx_code = pd->last_code;
			n = pd->last_len;
		} else
			n = osdp_cp_next(bus, pd, now);
		if (n == 0)
			bus->cur = (bus->cur + 1) % bus->npd;
	}
	if (n == 0) {
		osdp_idle_until(bus, now);
		return;
	}
	pd = &bus->pd[bus->tx_pd];
	memcpy(pd->last_tx, bus->tx, n);
	pd->last_len = n;
	pd->last_code = bus->tx_code;
	if (pd->offline)
		pd->probe_at = now + OSDP_PROBE_MS;
	bus->txlen = n;
	bus->txoff = 0;
	osdp_rx_init(&bus->rx);
	bus->waiting = true;
	bus->deadline = now + (uint64_t)bus->be->cfg->conf.osdp.timeout_ms;
	bus->sent_us = clock_mono_us();
	osdp_send_more(bus, now);
}

static void
osdp_tick(struct hal_backend *be, uint64_t now)
{
	struct osdp_bus *bus = be->priv;

	if (bus->npd == 0)
		return;
	osdp_read_due(bus, now);
	osdp_supervise(bus, now);
	if (bus->fd < 0) {
		if (now >= bus->reopen_at)
			osdp_line_try(bus, now);
		return;
	}
	if (bus->waiting && now >= bus->deadline)
		osdp_timeout(bus);
	osdp_try_send(bus, now);
}

static uint64_t
osdp_deadline(struct hal_backend *be)
{
	struct osdp_bus *bus = be->priv;
	uint64_t lim = (uint64_t)be->cfg->conf.osdp.offline_ms, d;
	int i;

	if (bus->npd == 0)
		return 0;
	/* The next command is the timer's, to the microsecond; without
	 * it, the loop's, rounded up to the millisecond. */
	if (bus->fd < 0)
		d = bus->reopen_at != 0 ? bus->reopen_at : 1;
	else if (bus->waiting)
		d = bus->deadline;
	else if (!bus->timer_polled)
		d = bus->next_us != 0 ? (bus->next_us + 999) / 1000 : 1;
	else
		d = 0;
	for (i = 0; i < bus->npd; i++)
		if (osdp_watched(bus, &bus->pd[i]) &&
		    (d == 0 || bus->pd[i].last_reply + lim < d))
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
	osdp_wake(be->priv);
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
	osdp_wake(be->priv);
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
	pd->keyset_sent = false;
	/* A refusal stands until a reply verifies under the new key. */
	osdp_cp_restart(pd);
	osdp_wake(be->priv);
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
