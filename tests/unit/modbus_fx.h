/*
 * The fixture of the Modbus backend tests: a board file in a scratch
 * folder, the real HAL on it, build/modbus-sim as the module, and a
 * stand-in for the daemon's poll loop that records every event.
 */
#ifndef HUSVAGT_TEST_MODBUS_FX_H
#define HUSVAGT_TEST_MODBUS_FX_H

#include "board.h"
#include "clock.h"
#include "hal.h"
#include "mbsim_proc.h"
#include "tmpdir.h"

#define POLL_MS		150
#define TIMEOUT_MS	50
#define EVENTS_MAX	512

struct fx {
	char			 dir[256];
	char			 path[512];
	struct board		 board;
	struct hal		*hal;
	struct mbsim_proc	 sim, socat;
	char			 pty_a[64], pty_b[64];
	struct hal_event	 ev[EVENTS_MAX];
	uint64_t		 seen[EVENTS_MAX];
	int			 nev;
	uint64_t		 max_step_ms;
	int			 long_steps;	/* steps over TIMEOUT_MS / 2 */
	int			 p_contact, p_rex, p_fire, p_a, p_b, p_siren;
};

static const char board_points[] =
    "[point door.contact]\nbackend = io\nkind = input\ninput = 2\n"
    "active = low\n\n"
    "[point rex]\nbackend = io\nkind = input\ninput = 5\n\n"
    "[point fire]\nbackend = io\nkind = supervised\nregister = 1\n"
    "loop = 1000,3000,6000\n\n"
    "[point a.lock]\nbackend = io\nkind = output\ncoil = 0\n"
    "lock = fail-safe\n\n"
    "[point b.lock]\nbackend = io\nkind = output\ncoil = 2\n"
    "lock = fail-secure\n\n"
    "[point siren]\nbackend = io\nkind = output\ncoil = 5\n";

static inline const char *
sim_path(void)
{
	static char path[512];
	const char *b = getenv("HUSVAGT_BUILD");

	if (b == NULL || *b == '\0')
		return NULL;
	snprintf(path, sizeof(path), "%s/modbus-sim", b);
	return path;
}

static inline void
fx_event(void *arg, const struct hal_event *ev)
{
	struct fx *f = arg;

	if (f->nev == EVENTS_MAX)
		return;
	f->ev[f->nev] = *ev;
	f->ev[f->nev].reason = NULL;
	f->seen[f->nev++] = clock_mono_ms();
}

/* Write the board for transport ("tcp" with port, or "rtu" on pty a). */
static inline void
fx_board(struct fx *f, const char *transport, int port)
{
	struct diag d = { 0 };
	FILE *fp;

	tmpdir_path(f->path, f->dir, "board.ini");
	assert_non_null(fp = fopen(f->path, "w"));
	fprintf(fp, "[board]\nname = test\n\n[backend io]\ntype = modbus\n"
	    "transport = %s\nunit = 1\npoll_ms = %d\ntimeout_ms = %d\n",
	    transport, POLL_MS, TIMEOUT_MS);
	if (!strcmp(transport, "tcp"))
		fprintf(fp, "host = 127.0.0.1\nport = %d\n\n", port);
	else
		fprintf(fp, "device = %s\nbaud = 38400\nparity = E\n\n",
		    f->pty_a);
	fputs(board_points, fp);
	fclose(fp);
	assert_int_equal(board_load(&f->board, f->path, &d), 0);
}

/* Open the HAL on the board and find the points. */
static inline void
fx_open(struct fx *f)
{
	struct hal_params hp = { .wiegand_timeout_ms = 50 };

	assert_non_null(f->hal = hal_open(&f->board, &hp, fx_event, f));
	f->p_contact = hal_point(f->hal, "door.contact");
	f->p_rex = hal_point(f->hal, "rex");
	f->p_fire = hal_point(f->hal, "fire");
	f->p_a = hal_point(f->hal, "a.lock");
	f->p_b = hal_point(f->hal, "b.lock");
	f->p_siren = hal_point(f->hal, "siren");
	assert_true(f->p_siren >= 0);
}

/*
 * One round of the caller's loop, never waiting past end; notes the
 * longest the HAL held the loop.
 */
static inline void
fx_step(struct fx *f, uint64_t end)
{
	struct pollfd pfd[32];
	uint64_t now = clock_mono_ms(), d = hal_deadline(f->hal), t0;
	int n = hal_pollfds(f->hal, pfd, 32);
	uint64_t until = d != 0 && d < end ? d : end;

	poll(pfd, (nfds_t)n, until > now ? (int)(until - now) : 0);
	t0 = clock_mono_ms();
	hal_dispatch(f->hal, pfd, n);
	hal_tick(f->hal, clock_mono_ms());
	if (clock_mono_ms() - t0 > f->max_step_ms)
		f->max_step_ms = clock_mono_ms() - t0;
	if (clock_mono_ms() - t0 > TIMEOUT_MS / 2)
		f->long_steps++;
}

static inline void
fx_run(struct fx *f, int ms)
{
	uint64_t end = clock_mono_ms() + (uint64_t)ms;

	while (clock_mono_ms() < end)
		fx_step(f, end);
}

/*
 * Run the loop until an event of type on point (value, or any if -1)
 * arrives at index from or later; returns when it was seen, 0 if not.
 */
static inline uint64_t
fx_wait(struct fx *f, int from, enum hal_event_type type, int point,
    int value, int ms)
{
	uint64_t end = clock_mono_ms() + (uint64_t)ms;
	int i = from;

	for (;;) {
		for (; i < f->nev; i++)
			if (f->ev[i].type == type && f->ev[i].point == point &&
			    (value < 0 || f->ev[i].value == value))
				return f->seen[i];
		if (clock_mono_ms() >= end)
			return 0;
		fx_step(f, end);
	}
}

static inline void
sim_ok(struct fx *f, const char *cmd)
{
	char reply[256];

	assert_int_equal(mbsim_proc_cmd(&f->sim, cmd, reply, sizeof(reply)),
	    0);
	assert_string_equal(reply, "ok");
}

/* A number from a "stats" reply: key is "requests", "writes", ... */
static inline unsigned long
sim_stat(struct fx *f, const char *key)
{
	char reply[256], *s;

	assert_int_equal(mbsim_proc_cmd(&f->sim, "stats", reply,
	    sizeof(reply)), 0);
	assert_non_null(s = strstr(reply, key));
	return strtoul(s + strlen(key), NULL, 10);
}

static inline void
sim_start_tcp(struct fx *f, int port)
{
	char hp[32];
	const char *args[] = { "--tcp", hp, "--coils", "16", "--inputs", "16",
	    "--registers", "4", NULL };

	snprintf(hp, sizeof(hp), "127.0.0.1:%d", port);
	assert_int_equal(mbsim_proc_start(&f->sim, sim_path(), args), 0);
	assert_true(f->sim.port > 0);
}

/* The state every test starts from: contact closed, rex off, loop normal. */
static inline void
sim_preset(struct fx *f)
{
	sim_ok(f, "set input 2 1");
	sim_ok(f, "set register 1 2000");
	sim_ok(f, "set coil 1 1");
	sim_ok(f, "set coil 4 1");
}

static inline int
setup_tcp(void **state)
{
	struct fx *f;

	if (sim_path() == NULL)
		return 0;
	f = calloc(1, sizeof(*f));
	if (f == NULL || tmpdir_make(f->dir) == NULL)
		return -1;
	sim_start_tcp(f, 0);
	sim_preset(f);
	fx_board(f, "tcp", f->sim.port);
	*state = f;
	return 0;
}

static inline int
teardown(void **state)
{
	struct fx *f = *state;

	if (f == NULL)
		return 0;
	hal_close(f->hal);
	mbsim_proc_stop(&f->sim);
	mbsim_proc_stop(&f->socat);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* Skip with a reason when the build folder is unknown. */
static inline struct fx *
fx_get(void **state)
{
	if (*state == NULL) {
		print_message("HUSVAGT_BUILD is not set: cannot find "
		    "modbus-sim; skipping\n");
		skip();
	}
	return *state;
}

#endif
