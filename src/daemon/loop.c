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
#define LOOP_SLOW_US	20000	/* a turn's CPU time worth a warning, */
#define LOOP_SLOW_MS	10000	/* ... given at most this often */

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
	const char	*name;		/* in the slow-turn warning */
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
	{ loop_hal_tick,	loop_hal_deadline, "hal" },	/* sampling */
	{ doors_tick,		doors_deadline, "doors" },	/* relock, held */
	{ reader_tick,		reader_deadline, "readers" },	/* PIN, enrol */
	{ pulse_tick,		pulse_deadline, "pulses" },	/* point.set */
	{ house_flush_tick,	house_flush_deadline, "flush" },	/* outputs */
	{ broker_tick,		broker_deadline, "broker" },	/* broker reload */
	{ register_tick,	register_deadline, "register" },	/* retention */
	{ guest_tick,		guest_deadline, "guests" },	/* overstay */
	{ loop_control_tick,	loop_control_deadline, "control" },
	/* Last: what this turn journalled is published in this turn. */
	{ loop_mqtt_tick,	loop_mqtt_deadline, "mqtt" },
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

/* Where one turn's CPU time went: the parts of loop_once in order, and
 * the timer that took the most. */
enum loop_part {
	LOOP_P_SAFETY,		/* signals, the HAL, the safety timers */
	LOOP_P_JOURNAL,		/* the writer's report: hooks, callbacks */
	LOOP_P_CONTROL,		/* the control socket's share */
	LOOP_P_MQTT,		/* one mosquitto_loop_read / _write */
	LOOP_P_WORK,		/* the worker's finished jobs */
	LOOP_P_TIMERS,		/* the timer table */
	LOOP_NPARTS
};

static const char *const loop_part_names[LOOP_NPARTS] = {
	"safety", "journal", "control", "mqtt-io", "work", "timers"
};

/*
 * The parts are timed on the monotonic clock, which costs no system call
 * (the thread's CPU clock does, and a turn would spend more on reading
 * it than on some of its parts); the turn's total is its CPU time.
 */
struct loop_turn {
	uint64_t	 cpu;			/* CPU time at the start */
	uint64_t	 at;			/* the last mark, monotonic us */
	uint64_t	 us[LOOP_NPARTS];
	uint64_t	 timer_us;		/* the costliest timer's */
	const char	*timer;
};

/* Charge the time since the last mark to part p. */
static void
loop_mark(struct loop_turn *t, enum loop_part p)
{
	uint64_t now = clock_mono_us();

	t->us[p] += now - t->at;
	t->at = now;
}

/* Run every timer's tick at now, in the table's order, noting the one
 * that took the longest. */
static void
loop_timers_timed(struct husvagt *h, uint64_t now, struct loop_turn *t)
{
	uint64_t a = t->at, b;
	size_t i;

	for (i = 0; i < LOOP_NTIMERS; i++) {
		loop_timers[i].tick(h, now);
		b = clock_mono_us();
		if (b - a >= t->timer_us) {
			t->timer_us = b - a;
			t->timer = loop_timers[i].name;
		}
		a = b;
	}
	loop_mark(t, LOOP_P_TIMERS);
}

/*
 * Keep the most CPU time a turn's work took (a figure for status that a
 * busy machine's scheduling does not blur), and say where a slow turn's
 * time went, at most once per LOOP_SLOW_MS.
 */
static void
loop_turn_cpu(struct husvagt *h, const struct loop_turn *t, uint64_t now)
{
	static uint64_t warned_at;
	uint64_t us = loop_cpu_us() - t->cpu;
	if (now - h->turn_window_at >= LOOP_WINDOW_MS) {
		h->turn_cpu_us[1] = now - h->turn_window_at < 2 *
		    LOOP_WINDOW_MS ? h->turn_cpu_us[0] : 0;
		h->turn_cpu_us[0] = 0;
		h->turn_window_at = now;
	}
	if (us > h->turn_cpu_us[0])
		h->turn_cpu_us[0] = us;
	if (us >= LOOP_SLOW_US && (warned_at == 0 ||
	    now - warned_at >= LOOP_SLOW_MS)) {
		warned_at = now;
		log_warnx("loop: a turn took %llu ms CPU; its parts' time: "
		    "%s %llu, %s %llu, %s %llu, %s %llu, %s %llu, %s %llu us "
		    "(the longest timer: %s %llu us)",
		    (unsigned long long)us / 1000,
		    loop_part_names[0], (unsigned long long)t->us[0],
		    loop_part_names[1], (unsigned long long)t->us[1],
		    loop_part_names[2], (unsigned long long)t->us[2],
		    loop_part_names[3], (unsigned long long)t->us[3],
		    loop_part_names[4], (unsigned long long)t->us[4],
		    loop_part_names[5], (unsigned long long)t->us[5],
		    t->timer != NULL ? t->timer : "-",
		    (unsigned long long)t->timer_us);
	}
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
	struct loop_turn t = { 0 };
	uint64_t now;

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
	t.cpu = loop_cpu_us();
	t.at = clock_mono_us();
	if (pfd[0].revents & POLLIN)
		loop_signal(h, sfd);
	/* Safety first: the wires' inputs (fire, exit buttons, door
	 * contacts), and the outputs they move, before anything else. */
	hal_dispatch(h->hal, pfd + 2, nh);
	loop_safety_run(h, clock_mono_ms());
	loop_mark(&t, LOOP_P_SAFETY);
	/* After the HAL: an exit button read this turn is not held up by
	 * what the writer reports. */
	if ((pfd[1].revents & POLLIN) && journal_dispatch(h->journal))
		house_state_changed(h);
	loop_mark(&t, LOOP_P_JOURNAL);
	/* Then a bounded share for every other source. */
	control_dispatch(h->control, pfd + 2 + nh, nc);
	loop_mark(&t, LOOP_P_CONTROL);
	mqtt_dispatch(h->mqtt, pfd + 2 + nh + nc, nm);
	loop_mark(&t, LOOP_P_MQTT);
	work_dispatch(h->worker, pfd + 2 + nh + nc + nm, nw);
	loop_mark(&t, LOOP_P_WORK);
	now = clock_mono_ms();
	loop_timers_timed(h, now, &t);
	loop_turn_cpu(h, &t, now);
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
