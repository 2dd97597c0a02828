/*
 * Board files: the reference building parses into the points the core
 * expects, a Modbus board gets its defaults, and a catalogue of broken
 * boards is refused, each error named with its line and its reason, all
 * errors of one file at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "board.h"
#include "tmpdir.h"

#define SIM	"[backend s]\ntype = sim\n"			/* lines 1-2 */
#define INPUT_A	"[point a]\nbackend = s\nkind = input\nline = A\n"	/* +4 */
#define MB_TCP	"[backend m]\ntype = modbus\nhost = 10.0.0.2\n"	/* +3 */

struct broken {
	const char	*text;
	int		 line;		/* 0: the whole file */
	const char	*reason;
};

/* Each board has one mistake; line is where the message must point. */
static const struct broken broken[] = {
	{ SIM INPUT_A "[frob]\nx = 1\n", 7, "unknown section [frob]" },
	{ SIM INPUT_A "colour = red\n", 7, "unknown key 'colour' in [point a]" },
	{ SIM "speed = 9\n" INPUT_A, 3, "unknown key 'speed' in [backend s]" },
	{ "[backend s]\ntype = gpio\n" INPUT_A, 2,
	    "type: 'gpio' is not one of sim, gpiod, modbus, osdp" },
	{ SIM "[point a]\nbackend = s\nkind = relay\nline = A\n", 5,
	    "kind: 'relay' is not one of input, output, supervised, reader" },
	{ SIM "[point a]\nbackend = t\nkind = input\nline = A\n", 4,
	    "backend: no [backend t] in this file" },
	{ SIM "[point a]\nkind = input\nline = A\n", 3,
	    "point 'a' has no backend" },
	{ SIM "[point a]\nbackend = s\nline = A\n", 3,
	    "point 'a' has no kind" },
	{ SIM INPUT_A "[point b]\nbackend = s\nkind = input\nline = B\n"
	    "[point a]\nkind = output\n", 11,
	    "role 'a' is already defined at line 3" },
	{ SIM INPUT_A "[point b]\nbackend = s\nkind = output\nline = A\n", 10,
	    "line: line 'A' is already used by 'a' (line 3)" },
	{ SIM "[point r]\nbackend = s\nkind = reader\nd0 = X\nd1 = X\n", 7,
	    "d1: line 'X' is already used by 'r' (line 3)" },
	{ MB_TCP "[point a]\nbackend = m\nkind = output\ncoil = 3\n"
	    "[point b]\nbackend = m\nkind = output\ncoil = 3\n", 11,
	    "coil: 3 is already used by 'a' (line 4)" },
	{ SIM INPUT_A "coil = 3\n", 7, "coil: does not apply to an input" },
	{ SIM INPUT_A "lock = fail-safe\n", 7,
	    "lock: does not apply to an input" },
	{ SIM "[point r]\nbackend = s\nkind = reader\nline = X\nd0 = A\n"
	    "d1 = B\n", 6, "line: does not apply to a reader" },
	{ SIM "[point r]\nbackend = s\nkind = reader\nd0 = A\n", 3,
	    "point 'r' (reader on sim) needs d1" },
	{ MB_TCP "[point r]\nbackend = m\nkind = reader\n", 4,
	    "point 'r': a reader cannot be on a modbus backend" },
	{ "[backend g]\ntype = gpiod\n[point f]\nbackend = g\n"
	    "kind = supervised\nline = F\n", 3,
	    "a supervised input cannot be on a gpiod backend" },
	{ MB_TCP "[point f]\nbackend = m\nkind = supervised\nregister = 1\n"
	    "loop = 3000,1000,6000\n", 8, "loop: thresholds 3000,1000,6000 "
	    "must increase (short < normal < active)" },
	{ MB_TCP "[point f]\nbackend = m\nkind = supervised\nregister = 1\n",
	    4, "point 'f' (supervised on modbus) needs loop" },
	{ MB_TCP "[point f]\nbackend = m\nkind = supervised\n"
	    "loop = 1,2,x\nregister = 1\n", 7, "loop: '1,2,x' is not three" },
	{ MB_TCP "[point a]\nbackend = m\nkind = input\nline = A\n", 7,
	    "line: does not apply to a modbus backend" },
	{ "[backend m]\ntype = modbus\nport = 502\n[point a]\nbackend = m\n"
	    "kind = input\ninput = 1\n", 1,
	    "modbus backend 'm' (tcp) needs host" },
	{ "[backend m]\ntype = modbus\ntransport = rtu\n[point a]\n"
	    "backend = m\nkind = input\ninput = 1\n", 1,
	    "modbus backend 'm' (rtu) needs device" },
	{ "[backend m]\ntype = modbus\ntransport = rtu\ndevice = /dev/ttyS0\n"
	    "host = 1.2.3.4\n[point a]\nbackend = m\nkind = input\n"
	    "input = 1\n", 5, "host: does not apply to transport rtu" },
	{ MB_TCP "port = 70000\n[point a]\nbackend = m\nkind = input\n"
	    "input = 1\n", 4, "port: 70000 is out of range 1..65535" },
	{ MB_TCP "unit = 0\n[point a]\nbackend = m\nkind = input\n"
	    "input = 1\n", 4, "unit: 0 is out of range 1..255" },
	{ MB_TCP "[point a]\nbackend = m\nkind = output\ncoil = -1\n", 7,
	    "coil: -1 is out of range 0..65535" },
	{ MB_TCP "[point a]\nbackend = m\nkind = output\ncoil = 1\n"
	    "input = 2\n", 8, "input: a point has only one of coil, input and "
	    "register" },
	{ SIM "chip = gpiochip0\n" INPUT_A, 3,
	    "chip: does not apply to a sim backend" },
	{ SIM INPUT_A SIM, 7, "backend 's' is already defined at line 1" },
	{ SIM "[backend t]\ntype = sim\n" INPUT_A, 3,
	    "only one sim backend per board ('s' is one)" },
	{ SIM INPUT_A "active = medium\n", 7,
	    "active: 'medium' is not one of high, low" },
	{ SIM "[point a]\nbackend = s\nkind = output\nline = A\n"
	    "lock = magnetic\n", 7,
	    "lock: 'magnetic' is not one of fail-safe, fail-secure" },
	{ SIM INPUT_A "line = B\n", 7,
	    "line: set twice in [point a] (first at line 6)" },
	{ "name = x\n" SIM INPUT_A, 1, "'name' is outside a section" },
	{ SIM INPUT_A "this is not ini\n", 7,
	    "not a section header or key = value" },
	{ SIM "[point a b]\nbackend = s\nkind = input\nline = A\n", 3,
	    "role 'a b' must be letters" },
	{ SIM "[point a]\nbackend = s\nkind = input\nline = "
	    "A123456789012345678901234567890123456789012345678901234567890123"
	    "\n", 6, "line: 'A1234" },
	{ SIM, 0, "no [point ROLE] section" },
	{ INPUT_A, 0, "no [backend NAME] section" },
	{ "; nothing but a comment\n", 0, "no [backend NAME] section" },
};

static char *const dir = tmpdir_group_dir;

/* Write text to a fresh board file; returns its path. */
static const char *
write_board(const char *text, char path[512])
{
	FILE *fp;

	tmpdir_path(path, dir, "board.ini");
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Load text as a board; the diag output goes to out (malloc'd). */
static int
load_text(const char *text, struct board *b, char **out, int *count)
{
	struct diag d = { 0 };
	char path[512];
	size_t len = 0;
	int rc;

	assert_non_null(d.out = open_memstream(out, &len));
	rc = board_load(b, write_board(text, path), &d);
	fclose(d.out);
	*count = d.count;
	return rc;
}

/* Whether out has a line "path:line: ...reason..." (or "path: " if 0). */
static int
has_error(const char *out, int line, const char *reason)
{
	char prefix[600], path[512];
	const char *p = out, *nl;
	size_t n;

	tmpdir_path(path, dir, "board.ini");
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (!strncmp(p, prefix, strlen(prefix)) &&
		    memmem(p, n, reason, strlen(reason)) != NULL)
			return 1;
		if (nl == NULL)
			break;
	}
	return 0;
}

/* Where the tests run from the top of the tree or from the build tree. */
static const char *
sim_board_path(char buf[512])
{
	const char *build = getenv("HUSVAGT_BUILD");

	snprintf(buf, 512, "boards/sim/board.ini");
	if (access(buf, R_OK) != 0 && build != NULL)
		snprintf(buf, 512, "%s/../boards/sim/board.ini", build);
	return buf;
}

static void
test_reference_building(void **state)
{
	static struct board b;
	struct diag d = { 0 };
	char path[512];
	int p;

	(void)state;
	assert_int_equal(board_load(&b, sim_board_path(path), &d), 0);
	assert_int_equal(d.count, 0);
	assert_int_equal(b.nbackends, 1);
	assert_string_equal(b.backends[0].type, "sim");
	assert_int_equal(b.npoints, 66);
	assert_true((p = board_point_find(&b, "front.lock")) >= 0);
	assert_int_equal(b.points[p].kind, BOARD_OUTPUT);
	assert_int_equal(b.points[p].lock, BOARD_LOCK_FAIL_SAFE);
	p = board_point_find(&b, "room-206.lock");
	assert_int_equal(b.points[p].lock, BOARD_LOCK_FAIL_SECURE);
	p = board_point_find(&b, "office.lock");
	assert_int_equal(b.points[p].lock, BOARD_LOCK_FAIL_SECURE);
	p = board_point_find(&b, "corridor-2.rex");
	assert_int_equal(b.points[p].kind, BOARD_INPUT);
	assert_int_equal(b.points[p].active_low, 1);
	p = board_point_find(&b, "garden.reader");
	assert_int_equal(b.points[p].kind, BOARD_READER);
	assert_string_equal(b.points[p].line, "GARDEN_WG_D0");
	assert_string_equal(b.points[p].line_d1, "GARDEN_WG_D1");
	assert_int_equal(b.points[board_point_find(&b, "fire")].kind,
	    BOARD_SUPERVISED);
	assert_true(board_point_find(&b, "front.intercom") >= 0);
	assert_true(board_point_find(&b, "tamper.garden-reader") >= 0);
	assert_true(board_point_find(&b, "transmitter") >= 0);
	assert_int_equal(board_point_find(&b, "room-101.rex"), -1);
	assert_int_equal(board_point_find(&b, "nowhere"), -1);
}

static void
test_modbus_defaults(void **state)
{
	static struct board b;
	char *out = NULL;
	int n, p;

	(void)state;
	assert_int_equal(load_text("[board]\nname = floor-1\n" MB_TCP
	    "[point f]\nbackend = m\nkind = supervised\nregister = 7\n"
	    "loop = 1000,3000,6000\n[point d]\nbackend = m\nkind = output\n"
	    "coil = 7\nactive = low\nlock = fail-secure\n", &b, &out, &n), 0);
	free(out);
	assert_string_equal(b.name, "floor-1");
	assert_string_equal(b.backends[0].conf.modbus.transport, "tcp");
	assert_int_equal(b.backends[0].conf.modbus.port, 502);
	assert_int_equal(b.backends[0].conf.modbus.unit, 1);
	assert_int_equal(b.backends[0].conf.modbus.poll_ms, 100);
	assert_int_equal(b.backends[0].conf.modbus.timeout_ms, 50);
	p = board_point_find(&b, "f");
	assert_int_equal(b.points[p].table, BOARD_MB_REGISTER);
	assert_int_equal(b.points[p].address, 7);
	assert_int_equal(b.points[p].loop_normal, 3000);
	p = board_point_find(&b, "d");
	assert_int_equal(b.points[p].table, BOARD_MB_COIL);
	assert_int_equal(b.points[p].active_low, 1);
	assert_int_equal(b.points[p].lock, BOARD_LOCK_FAIL_SECURE);
}

static void
test_broken_boards(void **state)
{
	static struct board b;
	char *out;
	size_t i;
	int n, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		out = NULL;
		if (load_text(broken[i].text, &b, &out, &n) != -1 || n < 1 ||
		    !has_error(out, broken[i].line, broken[i].reason)) {
			print_error("case %zu: want line %d '%s'; got:\n%s\n",
			    i, broken[i].line, broken[i].reason, out);
			bad++;
		}
		free(out);
	}
	assert_int_equal(bad, 0);
}

/* One pass names every error, not only the first. */
static void
test_all_errors(void **state)
{
	static struct board b;
	char *out = NULL;
	int n;

	(void)state;
	assert_int_equal(load_text(SIM "[point a]\nbackend = s\n"
	    "kind = input\nline = A\nactive = sideways\n[point b]\n"
	    "backend = s\nkind = output\nline = A\n[point c]\nbackend = nope\n"
	    "kind = reader\n", &b, &out, &n), -1);
	assert_int_equal(n, 3);
	assert_true(has_error(out, 7, "active: 'sideways'"));
	assert_true(has_error(out, 11, "line 'A' is already used by 'a'"));
	assert_true(has_error(out, 13, "no [backend nope]"));
	free(out);
}

static void
test_missing_file(void **state)
{
	static struct board b;
	struct diag d = { .quiet = 1 };

	(void)state;
	assert_int_equal(board_load(&b, "/nonexistent/board.ini", &d), -1);
	assert_int_equal(d.count, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_building),
		cmocka_unit_test(test_modbus_defaults),
		cmocka_unit_test(test_broken_boards),
		cmocka_unit_test(test_all_errors),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, tmpdir_group_setup,
	    tmpdir_group_teardown);
}
