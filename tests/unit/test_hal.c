/*
 * The HAL core on the sim backend, through the sim's real socket: events
 * only on logical changes after open, active-low inversion, both lock
 * types, queued outputs written by hal_flush, Wiegand bits becoming
 * cards and keys, bad driver requests changing nothing, and a restart
 * that finds the wires as they were without writing any output.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "board.h"
#include "clock.h"
#include "hal_backend.h"
#include "log.h"
#include "tmpdir.h"
#include "wiegand.h"

#define EVENTS_MAX	64

static const char board_text[] =
	"[backend sim]\ntype = sim\n"
	"[point door.lock]\nbackend = sim\nkind = output\nline = DOOR_LOCK\n"
	"lock = fail-safe\n"
	"[point room.lock]\nbackend = sim\nkind = output\nline = ROOM_LOCK\n"
	"lock = fail-secure\nactive = low\n"
	"[point door.contact]\nbackend = sim\nkind = input\nline = CONTACT\n"
	"[point door.rex]\nbackend = sim\nkind = input\nline = REX\n"
	"active = low\n"
	"[point door.reader]\nbackend = sim\nkind = reader\nd0 = D0\n"
	"d1 = D1\n"
	"[point fire]\nbackend = sim\nkind = supervised\nline = FIRE\n"
	"[point siren]\nbackend = sim\nkind = output\nline = SIREN\n";

static const char *const loop_names[] = {
	"normal", "active", "cut", "short",
};

struct fx {
	char		 dir[256];
	char		 sock[512];
	struct board	 board;
	struct hal	*hal;
	int		 n;
	struct hal_event ev[EVENTS_MAX];
};

static void
record(void *arg, const struct hal_event *ev)
{
	struct fx *f = arg;

	if (f->n < EVENTS_MAX)
		f->ev[f->n++] = *ev;
}

static void
fx_open(struct fx *f)
{
	struct hal_params hp = { .wiegand_timeout_ms = 50 };
	char state[512];

	hp.state_dir = tmpdir_path(state, f->dir, "state");
	hp.sim_socket = f->sock;
	f->n = 0;
	assert_non_null(f->hal = hal_open(&f->board, &hp, record, f));
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct diag d = { 0 };
	char path[512];
	FILE *fp;

	if (f == NULL || tmpdir_make(f->dir) == NULL)
		return -1;
	tmpdir_path(path, f->dir, "board.ini");
	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	fputs(board_text, fp);
	fclose(fp);
	if (board_load(&f->board, path, &d) != 0)
		return -1;
	tmpdir_path(f->sock, f->dir, "sim.sock");
	fx_open(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	hal_close(f->hal);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* One round of the daemon's loop, waiting at most ms for something. */
static void
loop_once(struct fx *f, int extra_fd, int ms)
{
	struct pollfd pfd[40];
	uint64_t d = hal_deadline(f->hal), now = clock_mono_ms();
	int n = hal_pollfds(f->hal, pfd, 39);

	if (d != 0)
		ms = d <= now ? 0 : (int)(d - now) < ms ? (int)(d - now) : ms;
	pfd[n] = (struct pollfd){ .fd = extra_fd, .events = POLLIN };
	poll(pfd, (nfds_t)n + (extra_fd >= 0), ms);
	hal_dispatch(f->hal, pfd, n);
	hal_tick(f->hal, clock_mono_ms());
}

/* Run the loop for ms milliseconds. */
static void
loop_for(struct fx *f, int ms)
{
	uint64_t end = clock_mono_ms() + (uint64_t)ms;

	while (clock_mono_ms() < end)
		loop_once(f, -1, 5);
}

static int
sim_connect(struct fx *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(strlen(f->sock) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, f->sock, strlen(f->sock) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Read one reply line from fd while the HAL's loop runs. */
static json_t *
sim_reply(struct fx *f, int fd)
{
	char buf[1 << 16];
	size_t len = 0;
	ssize_t r;
	uint64_t end = clock_mono_ms() + 2000;

	while (clock_mono_ms() < end && len < sizeof(buf) - 1) {
		loop_once(f, fd, 10);
		r = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (r == 0)
			return NULL;
		if (r > 0)
			len += (size_t)r;
		if (len > 0 && buf[len - 1] == '\n') {
			buf[len] = '\0';
			return json_loads(buf, 0, NULL);
		}
	}
	return NULL;
}

/* Send one request line to the sim and return its reply. */
static json_t *
sim(struct fx *f, const char *line)
{
	int fd = sim_connect(f);
	json_t *reply;

	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	assert_int_equal(write(fd, "\n", 1), 1);
	assert_non_null(reply = sim_reply(f, fd));
	close(fd);
	return reply;
}

/*
 * The sim's view of one point: field key of op's list as an int (a loop
 * state as its enum hal_loop value).
 */
static int
sim_field(struct fx *f, const char *op, const char *point, const char *key)
{
	char req[64];
	json_t *r, *row;
	size_t i;
	int v = -100;

	snprintf(req, sizeof(req), "{\"op\":\"%s\"}", op);
	r = sim(f, req);
	json_array_foreach(json_object_get(r, op), i, row) {
		if (strcmp(json_string_value(json_object_get(row, "point")),
		    point) != 0)
			continue;
		row = json_object_get(row, key);
		v = json_is_boolean(row) ? json_is_true(row) :
		    (int)json_integer_value(row);
		if (json_is_string(row))
			for (v = 0; v < 4 && strcmp(json_string_value(row),
			    loop_names[v]) != 0; v++)
				;
	}
	json_decref(r);
	return v;
}

static void
test_open_quiet(void **state)
{
	struct fx *f = *state;
	int v;

	assert_int_equal(f->n, 0);
	assert_int_equal(hal_input_get(f->hal, hal_point(f->hal,
	    "door.contact"), &v), 0);
	assert_int_equal(v, 0);
	/* The rex line rests high; active-low makes that "not pressed". */
	assert_int_equal(hal_input_get(f->hal, hal_point(f->hal, "door.rex"),
	    &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hal_input_get(f->hal, hal_point(f->hal, "fire"), &v),
	    0);
	assert_int_equal(v, HAL_LOOP_NORMAL);
	assert_int_equal(hal_output_get(f->hal, hal_point(f->hal, "siren"),
	    &v), -1);
	assert_int_equal(sim_field(f, "outputs", "door.lock", "written"), 0);
	assert_int_equal(hal_point(f->hal, "nowhere"), -1);
	assert_null(hal_point_info(f->hal, 99));
	assert_int_equal(hal_point_faulty(f->hal, 0), 0);
}

static void
test_input_events(void **state)
{
	struct fx *f = *state;
	json_t *r;
	int p = hal_point(f->hal, "door.rex");

	json_decref(sim(f, "{\"op\":\"input\",\"point\":\"door.rex\","
	    "\"value\":1}"));
	assert_int_equal(f->n, 1);
	assert_int_equal(f->ev[0].type, HAL_EV_INPUT);
	assert_int_equal(f->ev[0].point, p);
	assert_int_equal(f->ev[0].value, 1);
	/* Pressed pulls the line low. */
	assert_int_equal(sim_field(f, "inputs", "door.rex", "level"), 0);
	/* The same value again is no change, so no event. */
	json_decref(sim(f, "{\"op\":\"input\",\"point\":\"door.rex\","
	    "\"value\":1}"));
	assert_int_equal(f->n, 1);
	r = sim(f, "{\"op\":\"loop\",\"point\":\"fire\",\"state\":\"cut\"}");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	assert_int_equal(f->n, 2);
	assert_int_equal(f->ev[1].type, HAL_EV_LOOP);
	assert_int_equal(f->ev[1].value, HAL_LOOP_CUT);
}

static void
test_locks(void **state)
{
	struct fx *f = *state;
	int door = hal_point(f->hal, "door.lock");
	int room = hal_point(f->hal, "room.lock");
	bool released;

	assert_int_equal(hal_lock_set(f->hal, door, true), 0);
	assert_int_equal(hal_lock_set(f->hal, room, true), 0);
	assert_int_equal(hal_flush(f->hal), 0);
	/* Fail-safe released: de-energised, level 0. */
	assert_int_equal(sim_field(f, "outputs", "door.lock", "level"), 0);
	assert_int_equal(sim_field(f, "outputs", "door.lock", "released"), 1);
	/* Fail-secure released: energised, logical 1, active-low level 0. */
	assert_int_equal(sim_field(f, "outputs", "room.lock", "value"), 1);
	assert_int_equal(sim_field(f, "outputs", "room.lock", "level"), 0);
	assert_int_equal(sim_field(f, "outputs", "room.lock", "released"), 1);
	assert_int_equal(hal_lock_get(f->hal, room, &released), 0);
	assert_true(released);

	assert_int_equal(hal_lock_set(f->hal, door, false), 0);
	assert_int_equal(hal_lock_set(f->hal, room, false), 0);
	assert_int_equal(hal_flush(f->hal), 0);
	assert_int_equal(sim_field(f, "outputs", "door.lock", "level"), 1);
	assert_int_equal(sim_field(f, "outputs", "door.lock", "released"), 0);
	assert_int_equal(sim_field(f, "outputs", "room.lock", "level"), 1);
	assert_int_equal(sim_field(f, "outputs", "room.lock", "released"), 0);
	assert_int_equal(hal_lock_get(f->hal, door, &released), 0);
	assert_false(released);

	/* Not a lock, not an output. */
	assert_int_equal(hal_lock_set(f->hal, hal_point(f->hal, "siren"), 1),
	    -1);
	assert_int_equal(hal_output_set(f->hal, hal_point(f->hal,
	    "door.contact"), 1), -1);
}

static void
test_flush(void **state)
{
	struct fx *f = *state;
	int siren = hal_point(f->hal, "siren"), v;
	json_t *r;

	assert_int_equal(hal_output_set(f->hal, siren, true), 0);
	/* Queued, not yet on the wire. */
	assert_int_equal(sim_field(f, "outputs", "siren", "written"), 0);
	assert_int_equal(hal_output_get(f->hal, siren, &v), -1);
	assert_int_equal(hal_flush(f->hal), 0);
	assert_int_equal(sim_field(f, "outputs", "siren", "level"), 1);
	assert_int_equal(hal_output_get(f->hal, siren, &v), 0);
	assert_int_equal(v, 1);
	/* Setting the same value again writes nothing new. */
	assert_int_equal(hal_output_set(f->hal, siren, true), 0);
	assert_int_equal(hal_flush(f->hal), 0);
	r = sim(f, "{\"op\":\"history\"}");
	assert_int_equal(json_array_size(json_object_get(r, "history")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(r, "history"), 0), "point")), "siren");
	json_decref(r);
}

/* Feed a 26-bit frame bit by bit, as a pin backend would. */
static void
test_wiegand_bits(void **state)
{
	struct fx *f = *state;
	int rd = hal_point(f->hal, "door.reader"), i, n;
	uint64_t t0 = clock_mono_us(), d = 0;
	uint8_t bits[64];

	n = wiegand_encode(26, 12u << 16 | 3456u, bits, 64);
	assert_int_equal(n, 26);
	for (i = 0; i < n; i++)
		hal_report_wiegand_bit(f->hal, rd, bits[i],
		    t0 + (uint64_t)i * 2000);
	assert_int_equal(f->n, 0);
	/* A reader line sample may fall due first (the machine stalled
	 * since open): it reports nothing, as the lines are idle. */
	for (i = 0; i < 4 && f->n == 0; i++) {
		d = hal_deadline(f->hal);
		hal_tick(f->hal, d);
	}
	assert_true(d * 1000 >= t0 + 25 * 2000);
	assert_int_equal(f->n, 1);
	assert_int_equal(f->ev[0].type, HAL_EV_CARD);
	assert_int_equal(f->ev[0].point, rd);
	assert_int_equal(f->ev[0].bits, 26);
	assert_int_equal(f->ev[0].number, 12u << 16 | 3456u);
}

/* Through the sim: a card, then keys spaced in real time, then noise. */
static void
test_wiegand_sim(void **state)
{
	struct fx *f = *state;
	json_t *r;

	json_decref(sim(f, "{\"op\":\"present\",\"reader\":\"door.reader\","
	    "\"format\":34,\"number\":4000000000}"));
	r = sim(f, "{\"op\":\"keys\",\"reader\":\"door.reader\","
	    "\"keys\":\"1#\"}");
	assert_true(json_is_true(json_object_get(r, "queued")));
	json_decref(r);
	json_decref(sim(f, "{\"op\":\"bits\",\"reader\":\"door.reader\","
	    "\"bits\":\"0110101\"}"));
	loop_for(f, 600);
	assert_int_equal(f->n, 4);
	assert_int_equal(f->ev[0].type, HAL_EV_CARD);
	assert_int_equal(f->ev[0].bits, 34);
	assert_int_equal(f->ev[0].number, 4000000000u);
	assert_int_equal(f->ev[1].type, HAL_EV_KEY);
	assert_int_equal(f->ev[1].value, 1);
	assert_int_equal(f->ev[2].type, HAL_EV_KEY);
	assert_int_equal(f->ev[2].value, 11);
	assert_int_equal(f->ev[3].type, HAL_EV_BAD_FRAME);
	assert_int_equal(f->ev[3].bits, 7);
	assert_non_null(f->ev[3].reason);
}

/* Bad requests get a clear error and change nothing. */
static void
test_bad_requests(void **state)
{
	static const char *const bad[] = {
		"{not json", "[1]", "{\"op\":\"fly\"}",
		"{\"op\":\"input\",\"point\":\"door.lock\",\"value\":1}",
		"{\"op\":\"input\",\"point\":\"door.contact\",\"value\":7}",
		"{\"op\":\"input\",\"point\":\"door.contact\",\"value\":1,"
		    "\"x\":1}",
		"{\"op\":\"present\",\"reader\":\"door.reader\",\"number\":-5}",
		"{\"op\":\"loop\",\"point\":\"fire\",\"state\":\"smoke\"}",
	};
	struct fx *f = *state;
	size_t i;
	json_t *r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = sim(f, bad[i]);
		assert_true(json_is_false(json_object_get(r, "ok")));
		assert_non_null(json_string_value(json_object_get(r, "error")));
		json_decref(r);
	}
	assert_int_equal(f->n, 0);
	assert_int_equal(sim_field(f, "inputs", "door.contact", "value"), 0);
	assert_int_equal(sim_field(f, "inputs", "fire", "state"), 0);
}

/* A line over 64 KiB is refused and its connection closed. */
static void
test_long_line(void **state)
{
	struct fx *f = *state;
	static char big[70000];
	int fd = sim_connect(f);
	json_t *r;

	memset(big, 'x', sizeof(big));
	assert_int_equal(write(fd, big, 65537), 65537);
	r = sim_reply(f, fd);
	assert_true(json_is_false(json_object_get(r, "ok")));
	json_decref(r);
	assert_null(sim_reply(f, fd));	/* closed */
	close(fd);
}

/* What the wires carry survives a restart; no output is written. */
static void
test_restart(void **state)
{
	struct fx *f = *state;
	int v;
	json_t *r;

	json_decref(sim(f, "{\"op\":\"input\",\"point\":\"door.contact\","
	    "\"value\":1}"));
	json_decref(sim(f, "{\"op\":\"loop\",\"point\":\"fire\","
	    "\"state\":\"active\"}"));
	assert_int_equal(hal_lock_set(f->hal, hal_point(f->hal, "door.lock"),
	    false), 0);
	assert_int_equal(hal_output_set(f->hal, hal_point(f->hal, "siren"),
	    true), 0);
	assert_int_equal(hal_flush(f->hal), 0);
	hal_close(f->hal);
	fx_open(f);
	assert_int_equal(f->n, 0);
	assert_int_equal(hal_input_get(f->hal, hal_point(f->hal,
	    "door.contact"), &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(hal_input_get(f->hal, hal_point(f->hal, "fire"), &v),
	    0);
	assert_int_equal(v, HAL_LOOP_ACTIVE);
	assert_int_equal(hal_output_get(f->hal, hal_point(f->hal, "siren"),
	    &v), -1);
	assert_int_equal(sim_field(f, "outputs", "siren", "level"), 1);
	assert_int_equal(sim_field(f, "outputs", "siren", "written"), 0);
	assert_int_equal(sim_field(f, "outputs", "door.lock", "released"), 0);
	/* Only the two writes before the restart are in the change log. */
	r = sim(f, "{\"op\":\"history\"}");
	assert_int_equal(json_array_size(json_object_get(r, "history")), 2);
	json_decref(r);
	/* Locking what is locked again after the restart is no change. */
	assert_int_equal(hal_lock_set(f->hal, hal_point(f->hal, "door.lock"),
	    false), 0);
	assert_int_equal(hal_flush(f->hal), 0);
	r = sim(f, "{\"op\":\"history\",\"since\":2}");
	assert_int_equal(json_array_size(json_object_get(r, "history")), 0);
	json_decref(r);
	assert_int_equal(sim_field(f, "outputs", "door.lock", "written"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_quiet, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_input_events, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wiegand_bits, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wiegand_sim, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
	};

	log_init("test_hal", LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
