/*
 * The one poll loop: signals through a signalfd, the HAL's, the control
 * socket's and the MQTT bridge's descriptors, and timers on
 * CLOCK_MONOTONIC.  Nothing here blocks but poll() itself.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "clock.h"
#include "broker.h"
#include "control.h"
#include "husvagtd.h"
#include "journal.h"
#include "log.h"

#define LOOP_FDS_MAX	256
#define LOOP_WINDOW_MS	10000	/* status's turn_cpu_max_us: this, and the
				   window before */

/* The signals the loop takes through a descriptor. */
static void
loop_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/*
 * Block the loop's signals.  Called before start-up, so that a SIGHUP or
 * SIGTERM sent while the daemon is still starting waits for the loop
 * instead of killing it half-way with outputs in an unknown state.
 */
void
loop_block_signals(void)
{
	sigset_t set;

	loop_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* A descriptor for the blocked signals; pending ones are read from it. */
static int
loop_signalfd(void)
{
	sigset_t set;

	loop_block_signals();
	loop_sigset(&set);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void
loop_signal(struct husvagt *h, int fd)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			h->reload = true;
		else
			h->stopping = true;
	}
}

/*
 * The loop's one table of timers, run in this order after every turn's
 * descriptors.  A part with a timer adds one line here: its tick runs what
 * is due, its deadline says when it next wants to run (0: never).
 */
struct loop_timer {
	void		(*tick)(struct husvagt *, uint64_t now);
	uint64_t	(*deadline)(struct husvagt *);
};

static void
loop_hal_tick(struct husvagt *h, uint64_t now)
{
	hal_tick(h->hal, now);
}

static uint64_t
loop_hal_deadline(struct husvagt *h)
{
	return hal_deadline(h->hal);
}

static void
loop_mqtt_tick(struct husvagt *h, uint64_t now)
{
	mqtt_tick(h->mqtt, now);
}

static uint64_t
loop_mqtt_deadline(struct husvagt *h)
{
	return mqtt_deadline(h->mqtt);
}

static void
loop_control_tick(struct husvagt *h, uint64_t now)
{
	control_tick(h->control, now);
}

static uint64_t
loop_control_deadline(struct husvagt *h)
{
	return control_deadline(h->control);
}

static const struct loop_timer loop_timers[] = {
	{ loop_hal_tick,	loop_hal_deadline },	/* line sampling */
	{ doors_tick,		doors_deadline },	/* relock, held open */
	{ reader_tick,		reader_deadline },	/* PIN, enrolment */
	{ pulse_tick,		pulse_deadline },	/* point.set tests */
	{ house_flush_tick,	house_flush_deadline },	/* outputs */
	{ broker_tick,		broker_deadline },	/* broker reload */
	{ register_tick,	register_deadline },	/* retention */
	{ guest_tick,		guest_deadline },	/* overstay */
	{ loop_control_tick,	loop_control_deadline },	/* line deadline */
	/* Last: what this turn journalled is published in this turn. */
	{ loop_mqtt_tick,	loop_mqtt_deadline },
};

#define LOOP_NTIMERS	(sizeof(loop_timers) / sizeof(loop_timers[0]))

/* Milliseconds poll() may sleep: until the earliest deadline. */
static int
loop_timeout(struct husvagt *h, uint64_t now, uint64_t watchdog_at)
{
	uint64_t t = watchdog_at, d;
	size_t i;

	for (i = 0; i < LOOP_NTIMERS; i++)
		if ((d = loop_timers[i].deadline(h)) != 0 && (t == 0 || d < t))
			t = d;
	if (t == 0)
		return 1000;
	if (t <= now)
		return 0;
	return t - now > 1000 ? 1000 : (int)(t - now);
}

/* Watchdog interval from systemd, halved; 0 when there is none. */
static uint64_t
loop_watchdog_ms(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec / 2000;
}

/*
 * The timers that move outputs from what the wires just said: the HAL's
 * sampling, the doors' deadlines and the output flush.  A turn runs them
 * right after the HAL's descriptors, before the control socket and the
 * MQTT bridge get their share, and again in the table's order.
 */
static void
loop_safety_run(struct husvagt *h, uint64_t now)
{
	hal_tick(h->hal, now);
	doors_tick(h, now);
	house_flush_tick(h, now);
}

/* Run every timer's tick at now, in the table's order. */
void
loop_timers_run(struct husvagt *h, uint64_t now)
{
	size_t i;

	for (i = 0; i < LOOP_NTIMERS; i++)
		loop_timers[i].tick(h, now);
}

static uint64_t
loop_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Keep the most CPU time a turn's work took (a figure for status that a
 * busy machine's scheduling does not blur). */
static void
loop_turn_cpu(struct husvagt *h, uint64_t us, uint64_t now)
{
	if (now - h->turn_window_at >= LOOP_WINDOW_MS) {
		h->turn_cpu_us[1] = now - h->turn_window_at < 2 *
		    LOOP_WINDOW_MS ? h->turn_cpu_us[0] : 0;
		h->turn_cpu_us[0] = 0;
		h->turn_window_at = now;
	}
	if (us > h->turn_cpu_us[0])
		h->turn_cpu_us[0] = us;
}

/*
 * One turn: poll; the signals; the HAL's descriptors and the outputs they
 * move; the control socket (CONTROL_TURN requests at most) and the MQTT
 * bridge (one bounded read, which only queues commands); then the timers,
 * among them the MQTT bridge's slice of queued commands (MQTT_CMD_SLICE,
 * MQTT_SLICE_US).  Whoever has work left asks for a deadline of now, so
 * the next poll does not sleep, and the wires are read again first.
 */
static void
loop_once(struct husvagt *h, int sfd, uint64_t *watchdog_at,
    uint64_t watchdog_ms)
{
	struct pollfd pfd[LOOP_FDS_MAX];
	int nh, nc, nm, nw, n = 2;
	uint64_t now, cpu;

	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	/* The journal writer's commits (-1 without one: poll skips it). */
	pfd[1] = (struct pollfd){ .fd = journal_fd(h->journal),
	    .events = POLLIN };
	nh = hal_pollfds(h->hal, pfd + n, LOOP_FDS_MAX - n);
	n += nh;
	nc = control_pollfds(h->control, pfd + n, LOOP_FDS_MAX - n);
	n += nc;
	nm = mqtt_pollfds(h->mqtt, pfd + n, LOOP_FDS_MAX - n);
	n += nm;
	nw = work_pollfds(h->worker, pfd + n, LOOP_FDS_MAX - n);
	n += nw;
	if (poll(pfd, (nfds_t)n, loop_timeout(h, clock_mono_ms(),
	    *watchdog_at)) < 0 && errno != EINTR)
		log_warn("poll");
	cpu = loop_cpu_us();
	if (pfd[0].revents & POLLIN)
		loop_signal(h, sfd);
	/* Safety first: the wires' inputs (fire, exit buttons, door
	 * contacts), and the outputs they move, before anything else. */
	hal_dispatch(h->hal, pfd + 2, nh);
	loop_safety_run(h, clock_mono_ms());
	/* After the HAL: an exit button read this turn is not held up by
	 * what the writer reports. */
	if ((pfd[1].revents & POLLIN) && journal_dispatch(h->journal))
		house_state_changed(h);
	/* Then a bounded share for every other source. */
	control_dispatch(h->control, pfd + 2 + nh, nc);
	mqtt_dispatch(h->mqtt, pfd + 2 + nh + nc, nm);
	work_dispatch(h->worker, pfd + 2 + nh + nc + nm, nw);
	now = clock_mono_ms();
	loop_timers_run(h, now);
	loop_turn_cpu(h, loop_cpu_us() - cpu, now);
	if (watchdog_ms != 0 && now >= *watchdog_at) {
		sd_notify(0, "WATCHDOG=1");
		*watchdog_at = now + watchdog_ms;
	}
}

int
loop_run(struct husvagt *h)
{
	uint64_t watchdog_ms = loop_watchdog_ms(), watchdog_at = 0;
	int sfd;

	if ((sfd = loop_signalfd()) < 0) {
		log_warn("signalfd");
		return -1;
	}
	if (watchdog_ms != 0)
		watchdog_at = clock_mono_ms();
	sd_notify(0, "READY=1\nSTATUS=serving");
	log_info("serving: %d doors, control socket %s", h->ndoors,
	    h->cfg.control_socket);
	while (!h->stopping) {
		loop_once(h, sfd, &watchdog_at, watchdog_ms);
		if (h->reload) {
			h->reload = false;
			sd_notify(0, "RELOADING=1");
			daemon_reload(h);
			sd_notify(0, "READY=1");
		}
	}
	sd_notify(0, "STOPPING=1");
	close(sfd);
	return 0;
}
