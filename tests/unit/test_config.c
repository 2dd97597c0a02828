/*
 * The site configuration parser: the reference building's file loads with
 * the doors, staff and defaults it says; a catalogue of broken files is
 * refused with exactly the lines and reasons an installer will read; a
 * file with several errors reports every one of them; odd input (control
 * characters, huge values, random bytes) is refused, never trusted.
 *
 * The repository root is $HUSVAGT_TOP when set, else the current
 * directory (the root under `make unit`).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cmd.h"
#include "config.h"
#include "tmpdir.h"

#define SITE	"[site]\nname = villa\nboard = board.ini\n"	/* 1-3 */
#define DOOR	"[door front]\nzone = entrance\n"		/* 4-5 */
#define WANT_MAX	10
#define BAD(n, t, ...)	{ .name = (n), .text = (t), .want = { __VA_ARGS__ } }

static char *const dir = tmpdir_group_dir;
static struct site_config cfg;

/* One error as printed: "file:line: reason", or "file: reason" (line 0). */
struct want {
	int		 line;
	const char	*reason;
};

/*
 * A broken file and every error it must produce, no more.  When fill is
 * set, the "%s" in text becomes that many letters.  known_bug
 * names a bug outside this parser that keeps the case from passing yet:
 * the case then must fail, and fails loudly once the bug is fixed, so
 * that the mark is removed.
 */
struct bad {
	const char	*name;
	const char	*text;
	struct want	 want[WANT_MAX];
	size_t		 fill;
	const char	*known_bug;
};

static const struct bad bad[] = {
	BAD("unknown section",
	    SITE DOOR "[garage]\nopen = yes\n",
	    { 6, "unknown section [garage]" }),
	BAD("unknown key in [console]",
	    SITE DOOR "[console]\nidle = 5\n",
	    { 7, "[console]: unknown key 'idle' (known: idle_min)" }),
	BAD("unknown key in [vacancy]",
	    SITE DOOR "[vacancy]\nevery = 4h\n",
	    { 7, "[vacancy]: unknown key 'every' (known: interval, children, "
	    "child_ages)" }),
	BAD("vacancy interval without a unit, zero, too long",
	    SITE DOOR "[vacancy]\ninterval = 600\ninterval = 0s\n"
	    "interval = 25h\ninterval = 1441m\n",
	    { 7, "interval: '600' is not a time like 4h, 30m or 10s between "
	    "1s and 24h" },
	    { 8, "interval: '0s' is not a time like 4h, 30m or 10s between "
	    "1s and 24h" },
	    { 9, "interval: '25h' is not a time like 4h, 30m or 10s between "
	    "1s and 24h" },
	    { 10, "interval: '1441m' is not a time like 4h, 30m or 10s "
	    "between 1s and 24h" }),
	BAD("vacancy child ages upside down, adult, one number",
	    SITE DOOR "[vacancy]\nchild_ages = 10-3\nchild_ages = 0-18\n"
	    "child_ages = 5\n",
	    { 7, "child_ages: '10-3' is not like 0-17 (ages 0 to 17, the first "
	    "not above the second)" },
	    { 8, "child_ages: '0-18' is not like 0-17 (ages 0 to 17, the first "
	    "not above the second)" },
	    { 9, "child_ages: '5' is not like 0-17 (ages 0 to 17, the first "
	    "not above the second)" }),
	BAD("console idle_min zero",
	    SITE DOOR "[console]\nidle_min = 0\n",
	    { 7, "idle_min: '0' is not a number of minutes above 0 and at "
	      "most 240" }),
	BAD("console idle_min not a number",
	    SITE DOOR "[console]\nidle_min = 15m\n",
	    { 7, "idle_min: '15m' is not a number of minutes above 0 and at "
	      "most 240" }),
	BAD("unknown key in [site]",
	    SITE "colour = blue\n" DOOR,
	    { 4, "unknown key 'colour' in [site]" }),
	BAD("unknown key in [defaults]",
	    SITE "[defaults]\nrelese_s = 5\n" DOOR,
	    { 5, "unknown key 'relese_s' in [defaults]" }),
	BAD("unknown key in [door]",
	    SITE DOOR "speed = 3\n",
	    { 6, "unknown key 'speed' in [door front]" }),
	BAD("release_s under 3 s",
	    SITE DOOR "release_s = 2\n",
	    { 6, "release_s: 2 is out of range 3..3600" }),
	BAD("release_s under 3 s in [defaults]",
	    SITE "[defaults]\nrelease_s = 0\n" DOOR,
	    { 5, "release_s: 0 is out of range 3..3600" }),
	BAD("release_s negative",
	    SITE DOOR "release_s = -5\n",
	    { 6, "release_s: -5 is out of range 3..3600" }),
	BAD("release_s not a number",
	    SITE DOOR "release_s = abc\n",
	    { 6, "release_s: 'abc' is not a whole number" }),
	BAD("release_s with a unit",
	    SITE DOOR "release_s = 5s\n",
	    { 6, "release_s: '5s' is not a whole number" }),
	BAD("release_s beyond a long",
	    SITE DOOR "release_s = 99999999999999999999\n",
	    { 6, "release_s: '99999999999999999999' is not a whole "
		"number" }),
	BAD("release_s empty",
	    SITE DOOR "release_s =\n",
	    { 6, "release_s: '' is not a whole number" }),
	BAD("held_warning_s equal to held_s on a door",
	    SITE DOOR "held_warning_s = 60\n",
	    { 6, "door front: held_warning_s (60) must be less than "
		"held_s (60)" }),
	BAD("held_warning_s above held_s on a door",
	    SITE DOOR "held_s = 20\nheld_warning_s = 25\n",
	    { 7, "door front: held_warning_s (25) must be less than "
		"held_s (20)" }),
	BAD("held_warning_s above held_s in [defaults]: one error, not one "
	    "per door",
	    SITE "[defaults]\nheld_warning_s = 90\nheld_s = 45\n"
	    DOOR "[door back]\nzone = garden\n",
	    { 6, "[defaults] held_warning_s (90) must be less than "
		"held_s (45)" }),
	BAD("lockout_failures 0",
	    SITE "[defaults]\nlockout_failures = 0\n" DOOR,
	    { 5, "lockout_failures: 0 is out of range 1..32" }),
	BAD("pin_timeout_s too long",
	    SITE "[defaults]\npin_timeout_s = 600\n" DOOR,
	    { 5, "pin_timeout_s: 600 is out of range 3..120" }),
	BAD("duplicate door",
	    SITE DOOR "[door back]\nzone = garden\n[door front]\n"
	    "zone = entrance\n",
	    { 8, "door 'front' is already defined at line 4" }),
	BAD("duplicate door right after the first",
	    SITE DOOR "\n[door front]\nzone = garden\n",
	    { 7, "door 'front' is already defined at line 4" }),
	BAD("key set twice in a door",
	    SITE DOOR "egress = yes\negress = no\n",
	    { 7, "egress: set twice in [door front] (first at line 6)" }),
	BAD("door name with capitals",
	    SITE DOOR "[door Back]\nzone = garden\n",
	    { 6, "door name 'Back' must be lower-case letters, digits, "
		"'-' or '_'" }),
	BAD("door name with a space",
	    SITE DOOR "[door back door]\nzone = garden\n",
	    { 6, "door name 'back door' must be lower-case letters, "
		"digits, '-' or '_'" }),
	BAD("door name empty",
	    SITE DOOR "[door ]\nzone = garden\n",
	    { 6, "door name '' must be lower-case letters, digits, '-' "
		"or '_'" }),
	BAD("door name longer than inih keeps",
	    SITE DOOR "[door the-door-next-to-the-kitchen-on-the-second-floor]"
	    "\nzone = kitchen\n",
	    { 6, "section title [door the-door-next-to-the-kitchen-on-the-"
		"second-f...] is longer than 48 characters" }),
	BAD("door without a zone",
	    SITE "[door front]\negress = yes\n",
	    { 4, "door front: zone is missing" }),
	BAD("zone with capitals",
	    SITE "[door front]\nzone = Entrance\n",
	    { 5, "zone: 'Entrance' must be lower-case letters, digits, "
		"'-' or '_'" }),
	BAD("bad boolean",
	    SITE DOOR "egress = maybe\n",
	    { 6, "egress: 'maybe' is not yes or no" }),
	BAD("'#' is no inline comment",
	    SITE DOOR "pin = yes # keypad\n",
	    { 6, "pin: 'yes # keypad' is not yes or no" }),
	BAD("bad boolean in [defaults]",
	    SITE "[defaults]\nduress = sometimes\n" DOOR,
	    { 5, "duress: 'sometimes' is not yes or no" }),
	BAD("unknown staff role",
	    SITE DOOR "[staff]\nanna = boss\n",
	    { 7, "staff anna: unknown role 'boss' (staff, management or "
		"installer)" }),
	BAD("two roles for one login",
	    SITE DOOR "[staff]\nanna = staff,installer\n",
	    { 7, "staff anna: unknown role 'staff,installer' (staff, "
		"management or installer)" }),
	BAD("duplicate staff",
	    SITE DOOR "[staff]\nanna = staff\nbirgit = staff\n"
	    "anna = management\n",
	    { 9, "staff anna: listed twice" }),
	BAD("staff login with capitals",
	    SITE DOOR "[staff]\nAnna = staff\n",
	    { 7, "staff login 'Anna' must be 1-32 lower-case letters, "
		"digits, '-' or '_'" }),
	BAD("staff login too long",
	    SITE DOOR "[staff]\nanna-maria-sofie-henriette-johanne = staff\n",
	    { 7, "staff login 'anna-maria-sofie-henriette-johanne' must be "
		"1-32 lower-case letters, digits, '-' or '_'" }),
	BAD("[site] without name",
	    "[site]\nboard = board.ini\n" DOOR,
	    { 0, "[site] name is missing" }),
	BAD("[site] without board",
	    "[site]\nname = villa\n" DOOR,
	    { 0, "[site] board is missing" }),
	BAD("no [site] at all",
	    DOOR,
	    { 0, "[site] name is missing" },
	      { 0, "[site] board is missing" }),
	BAD("no door",
	    SITE "[staff]\nanna = staff\n",
	    { 0, "no [door NAME] section" }),
	BAD("site name with capitals and a space",
	    "[site]\nname = Villa Nova\nboard = board.ini\n" DOOR,
	    { 2, "name: 'Villa Nova' must be lower-case letters, digits, "
		"'-' or '_'" }),
	BAD("timezone longer than its field",
	    SITE "timezone = America/Argentina/ComodRivadavia/and/some/more/"
	    "words/to/make/it/too/long\n" DOOR,
	    { 4, "timezone: must be 1 to 63 characters" }),
	BAD("board empty",
	    "[site]\nname = villa\nboard =\n" DOOR,
	    { 3, "board: must be 1 to 511 characters" }),
	BAD("a line that is not key = value",
	    SITE DOOR "egress yes\n",
	    { 6, "not a section header or key = value" }),
	BAD("a section header without ']'",
	    SITE DOOR "[door back\nzone = garden\n",
	    { 6, "not a section header or key = value" },
	      { 7, "zone: set twice in [door front] (first at line 5)" }),
	BAD("a key before any section",
	    "release_s = 5\n" SITE DOOR,
	    { 1, "'release_s' is outside a section" }),
	BAD("control character in a value",
	    "[site]\nname = vil\001la\nboard = board.ini\n" DOOR,
	    { 2, "name: the value contains a control character" }),
	BAD("terminal escape in a path",
	    "[site]\nname = villa\nboard = \033[2J\033[Hboard.ini\n" DOOR,
	    { 3, "board: the value contains a control character" }),
	BAD("tab inside a value",
	    SITE "[door front]\nzone = entr\tance\n",
	    { 5, "zone: the value contains a control character" }),
	BAD("control character in a key",
	    SITE DOOR "eg\033ress = yes\n",
	    { 6, "a key contains a control character" }),
	BAD("control character in a section title",
	    SITE DOOR "[door ba\177ck]\nzone = garden\n",
	    { 6, "a section title contains a control character" }),
	BAD("empty file",
	    "",
	    { 0, "[site] name is missing" },
	      { 0, "[site] board is missing" },
	      { 0, "no [door NAME] section" }),
	BAD("comments only",
	    "# nothing here\n; nor here\n\n",
	    { 0, "[site] name is missing" },
	      { 0, "[site] board is missing" },
	      { 0, "no [door NAME] section" }),
	{ .name = "a 10,000-character value",
	  .text = "[site]\nname = villa\nboard = /%s\n" DOOR
	    "release_s = 1\n",
	  .want = { { 3, "line is longer than 198 characters" },
	    { 0, "[site] board is missing" },
	    { 6, "release_s: 1 is out of range 3..3600" } },
	  .fill = 10000 },
	{ .name = "two lines that are not key = value",
	  .text = SITE DOOR "egress yes\npin yes\n",
	  .want = { { 6, "not a section header or key = value" },
	    { 7, "not a section header or key = value" } } },
};

/* Write text to dir/name; returns the path (static buffer per call). */
static const char *
write_file(const char *name, const char *text, size_t len)
{
	static char path[512];
	FILE *f;

	tmpdir_path(path, dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/*
 * Load path with diag printing into a temporary file; *out receives what
 * was printed (malloc'd, NUL-terminated).  Returns config_load's result.
 */
static int
load(const char *path, struct diag *d, char **out)
{
	long n;
	int rc;

	memset(d, 0, sizeof(*d));
	d->out = tmpfile();
	assert_non_null(d->out);
	rc = config_load(&cfg, path, d);
	n = ftell(d->out);
	assert_true(n >= 0);
	*out = calloc(1, (size_t)n + 1);
	assert_non_null(*out);
	rewind(d->out);
	assert_int_equal(fread(*out, 1, (size_t)n, d->out), (size_t)n);
	fclose(d->out);
	return rc;
}

/* Load text from a fresh file; as load(). */
static int
load_text(const char *text, struct diag *d, char **out)
{
	static int n;
	char name[32];

	snprintf(name, sizeof(name), "case-%d.conf", n++);
	return load(write_file(name, text, strlen(text)), d, out);
}

/* The text of a case, its "%s" replaced by fill letters (malloc'd). */
static char *
bad_text(const struct bad *b)
{
	const char *at = b->fill > 0 ? strstr(b->text, "%s") : NULL;
	size_t head, len = strlen(b->text);
	char *text;

	if (at == NULL)
		return strdup(b->text);
	head = (size_t)(at - b->text);
	text = malloc(len - 2 + b->fill + 1);
	assert_non_null(text);
	memcpy(text, b->text, head);
	memset(text + head, 'a', b->fill);
	memcpy(text + head + b->fill, at + 2, len - head - 2 + 1);
	return text;
}

/*
 * Whether out holds exactly the wanted lines, in any order, for path;
 * prints what differs.
 */
static int
matches(const struct bad *b, const char *path, const char *out, int count)
{
	char line[1024];
	const char *p;
	int i, n = 0, ok = 1, lines = 0;

	for (p = out; *p != '\0'; p++)
		lines += *p == '\n';
	for (i = 0; i < WANT_MAX && b->want[i].reason != NULL; i++, n++) {
		if (b->want[i].line > 0)
			snprintf(line, sizeof(line), "%s:%d: %s\n", path,
			    b->want[i].line, b->want[i].reason);
		else
			snprintf(line, sizeof(line), "%s: %s\n", path,
			    b->want[i].reason);
		if ((p = strstr(out, line)) == NULL ||
		    (p != out && p[-1] != '\n')) {
			print_message("missing: %s", line);
			ok = 0;
		}
	}
	if (lines != n || count != n) {
		print_message("%d line(s) printed, %d counted, %d wanted\n",
		    lines, count, n);
		ok = 0;
	}
	if (!ok)
		print_message("printed:\n%s", out);
	return ok;
}

/* One broken file: refused, with exactly its errors. */
static void
test_bad(void **state)
{
	const struct bad *b = *state;
	char *text = bad_text(b), *out;
	struct diag d;
	int rc, ok;

	rc = load_text(text, &d, &out);
	free(text);
	ok = rc == -1 && matches(b, cfg.path, out, d.count);
	free(out);
	if (b->known_bug != NULL) {
		if (ok)
			fail_msg("known bug fixed (%s): remove known_bug from "
			    "case '%s'", b->known_bug, b->name);
		print_message("KNOWN BUG, case still fails: %s\n",
		    b->known_bug);
		return;
	}
	assert_int_equal(rc, -1);
	assert_true(ok);
}

/* The reference building as shipped in firmware/. */
static void
test_reference(void **unused)
{
	static const char *const doors[] = {
		"front", "garden", "office", "corridor-1", "corridor-2",
		"room-101", "room-102", "room-103", "room-104", "room-105",
		"room-106", "room-201", "room-202", "room-203", "room-204",
		"room-205", "room-206",
	};
	const char *top = getenv("HUSVAGT_TOP");
	const struct site_door *d;
	char path[512], *out;
	struct diag dg;
	int i;

	(void)unused;
	snprintf(path, sizeof(path), "%s/firmware/etc/husvagt/husvagt.conf",
	    top != NULL && *top != '\0' ? top : ".");
	assert_int_equal(load(path, &dg, &out), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(dg.count, 0);

	assert_string_equal(cfg.name, "villa");
	assert_string_equal(cfg.timezone, "Europe/Copenhagen");
	assert_string_equal(cfg.board, "/etc/husvagt/board.ini");
	assert_string_equal(cfg.state_dir, "/var/lib/husvagt");
	assert_string_equal(cfg.control_socket, "/run/husvagt/control.sock");
	assert_string_equal(cfg.sim_socket, "/run/husvagt/sim.sock");
	assert_int_equal(cfg.release_s, 5);
	assert_int_equal(cfg.held_warning_s, 30);
	assert_int_equal(cfg.held_s, 60);
	assert_int_equal(cfg.lockout_failures, 5);
	assert_int_equal(cfg.lockout_window_s, 30);
	assert_int_equal(cfg.lockout_s, 30);
	assert_int_equal(cfg.pin_timeout_s, 10);
	assert_true(cfg.duress);
	assert_int_equal(cfg.enrol_timeout_s, 60);

	assert_int_equal(cfg.ndoors, 17);
	for (i = 0; i < 17; i++) {
		d = &cfg.doors[i];
		assert_string_equal(d->name, doors[i]);
		assert_int_equal(d->release_s, 5);
		assert_int_equal(d->held_warning_s, 30);
		assert_int_equal(d->held_s, 60);
		/* Rooms have exit handles without a switch. */
		assert_int_equal(d->forced_alarm, i < 5);
		assert_int_equal(d->pin, i == 0);
		assert_int_equal(d->egress, i < 5 && i != 2);
		if (i >= 5 || i == 2)
			assert_string_equal(d->zone, doors[i]);
	}
	assert_string_equal(cfg.doors[0].zone, "entrance");
	assert_string_equal(cfg.doors[1].zone, "entrance");
	assert_int_equal(cfg.doors[0].line, 29);	/* its header */

	assert_int_equal(cfg.nstaff, 4);
	assert_string_equal(cfg.staff[0].login, "anna");
	assert_int_equal(cfg.staff[0].roles, ROLE_STAFF);
	assert_string_equal(cfg.staff[1].login, "birgit");
	assert_int_equal(cfg.staff[1].roles, ROLE_STAFF);
	assert_string_equal(cfg.staff[2].login, "leder");
	assert_int_equal(cfg.staff[2].roles, ROLE_MANAGEMENT);
	assert_string_equal(cfg.staff[3].login, "installer");
	assert_int_equal(cfg.staff[3].roles, ROLE_INSTALLER);
}

/* Loads text and expects no error at all. */
static void
load_ok(const char *text)
{
	struct diag d;
	char *out;
	int rc = load_text(text, &d, &out);

	if (rc != 0 || out[0] != '\0')
		print_message("printed:\n%s", out);
	free(out);
	assert_int_equal(rc, 0);
	assert_int_equal(d.count, 0);
}

/* Relative paths are taken from the configuration's folder. */
static void
test_relative_paths(void **unused)
{
	char want[600];

	(void)unused;
	load_ok("[site]\nname = villa\nboard = boards/b.ini\n"
	    "state_dir = state\ncontrol_socket = /run/x/control.sock\n" DOOR);
	snprintf(want, sizeof(want), "%s/boards/b.ini", dir);
	assert_string_equal(cfg.board, want);
	snprintf(want, sizeof(want), "%s/state", dir);
	assert_string_equal(cfg.state_dir, want);
	assert_string_equal(cfg.control_socket, "/run/x/control.sock");
	assert_string_equal(cfg.sim_socket, "/run/husvagt/sim.sock");
}

/* The console's idle time is a site setting: 15 minutes unless [console]
 * says otherwise, in minutes as husvagt-mqtt-setup reads them. */
static void
test_console_idle(void **unused)
{
	(void)unused;
	load_ok(SITE DOOR);
	assert_true(cfg.console_idle_min == 15);
	load_ok(SITE DOOR "[console]\nidle_min = 0.5\n");
	assert_true(cfg.console_idle_min == 0.5);
	load_ok(SITE DOOR "[console]\nidle_min = 240\n");
	assert_true(cfg.console_idle_min == 240);
}

/* The vacancy topic's interval, children and ages: 4 hours, yes, 0-17
 * unless [vacancy] says otherwise; a room may be marked accessible. */
#define ROOM	"[door r101]\nzone = room-101\n[room 101]\ncorridor = entrance\n"
static void
test_vacancy(void **unused)
{
	(void)unused;
	load_ok(SITE DOOR ROOM);
	assert_int_equal(cfg.vacancy.interval_s, 4 * 3600);
	assert_true(cfg.vacancy.children);
	assert_int_equal(cfg.vacancy.child_age_min, 0);
	assert_int_equal(cfg.vacancy.child_age_max, 17);
	assert_false(cfg.rooms[0].accessible);
	load_ok(SITE DOOR ROOM "accessible = yes\n[vacancy]\n"
	    "interval = 5s\nchildren = no\nchild_ages = 3-12\n");
	assert_true(cfg.rooms[0].accessible);
	assert_int_equal(cfg.vacancy.interval_s, 5);
	assert_false(cfg.vacancy.children);
	assert_int_equal(cfg.vacancy.child_age_min, 3);
	assert_int_equal(cfg.vacancy.child_age_max, 12);
	load_ok(SITE DOOR "[vacancy]\ninterval = 30m\n");
	assert_int_equal(cfg.vacancy.interval_s, 1800);
	load_ok(SITE DOOR "[vacancy]\ninterval = 24h\n");
	assert_int_equal(cfg.vacancy.interval_s, 86400);
}

/*
 * A door takes [defaults] wherever [defaults] stands, keeps what it sets
 * itself, and a later [site] or [defaults] section overrides an earlier
 * one (the system tests append configuration that way).
 */
static void
test_defaults_and_overrides(void **unused)
{
	(void)unused;
	load_ok(SITE DOOR "held_s = 90\n[door back]\nzone = garden\n"
	    "release_s = 3\n[defaults]\nrelease_s = 8\nheld_warning_s = 40\n"
	    "held_s = 70\n[site]\nname = other-house\n[defaults]\n"
	    "release_s = 9\n");
	assert_string_equal(cfg.name, "other-house");
	assert_int_equal(cfg.ndoors, 2);
	assert_int_equal(cfg.doors[0].release_s, 9);
	assert_int_equal(cfg.doors[0].held_warning_s, 40);
	assert_int_equal(cfg.doors[0].held_s, 90);
	assert_int_equal(cfg.doors[1].release_s, 3);
	assert_int_equal(cfg.doors[1].held_s, 70);
	assert_true(cfg.doors[1].forced_alarm);
	assert_false(cfg.doors[1].egress);
}

/* What inih accepts besides "key = value": all of it is read the same. */
static void
test_syntax_variants(void **unused)
{
	(void)unused;
	load_ok("\xEF\xBB\xBF[site]\r\nname: villa\r\n  board=board.ini  \r\n"
	    "# a comment\r\n; another\r\n[door front]\r\n"
	    "zone = entrance ; the hall\r\negress = on\r\npin = true\r\n"
	    "forced_alarm = 0\r\n[staff]\r\nanna = staff\r\n");
	assert_string_equal(cfg.name, "villa");
	assert_string_equal(cfg.doors[0].zone, "entrance");
	assert_true(cfg.doors[0].egress);
	assert_true(cfg.doors[0].pin);
	assert_false(cfg.doors[0].forced_alarm);
	assert_string_equal(cfg.staff[0].login, "anna");
}

/* 64 doors and 64 staff fit; the 65th of each is an error at its line. */
static void
test_limits(void **unused)
{
	size_t len = 65 * 64 + 256, n;
	char *text = malloc(len), *out;
	struct diag d;
	int i, rc;

	(void)unused;
	assert_non_null(text);
	n = (size_t)snprintf(text, len, "%s", SITE);
	for (i = 0; i < 65; i++)
		n += (size_t)snprintf(text + n, len - n,
		    "[door d%d]\nzone = z\n", i);
	n += (size_t)snprintf(text + n, len - n, "[staff]\n");
	for (i = 0; i < 65; i++)
		n += (size_t)snprintf(text + n, len - n, "s%d = staff\n", i);
	rc = load_text(text, &d, &out);
	free(text);
	assert_int_equal(rc, -1);
	assert_int_equal(d.count, 2);
	assert_int_equal(cfg.ndoors, 64);
	assert_int_equal(cfg.nstaff, 64);
	/* Door 65's header is on line 3 + 64 * 2 + 1; staff 65 later. */
	assert_non_null(strstr(out, ":132: more than 64 doors\n"));
	assert_non_null(strstr(out, ":199: more than 64 staff\n"));
	free(out);
}

/* A missing file is one error, not a list of everything it lacks. */
static void
test_missing_file(void **unused)
{
	char path[512], want[600], *out;
	struct diag d;

	(void)unused;
	tmpdir_path(path, dir, "no-such.conf");
	assert_int_equal(load(path, &d, &out), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or "
	    "directory\n", path);
	assert_string_equal(out, want);
	assert_int_equal(d.count, 1);
	free(out);
}

/* A file with many errors reports each of them, counted. */
static void
test_many_errors(void **unused)
{
	static const char text[] =
	    "[site]\n"				/* 1: no board */
	    "name = Villa\n"			/* 2: bad name */
	    "colour = blue\n"			/* 3: unknown key */
	    "[defaults]\n"			/* 4 */
	    "release_s = 2\n"			/* 5: under 3 s */
	    "duress = perhaps\n"		/* 6: bad boolean */
	    "[door front]\n"			/* 7 */
	    "egress = yes\n"			/* 8: no zone (reported at 7) */
	    "held_warning_s = abc\n"		/* 9: not a number */
	    "[door Back]\n"			/* 10: bad door name */
	    "zone = garden\n"			/* 11 */
	    "[kitchen]\n"			/* 12: unknown section */
	    "oven = on\n"			/* 13 */
	    "stove = on\n"			/* 14: (same section: once) */
	    "just some words\n"			/* 15: not key = value */
	    "[door side]\n"			/* 16 */
	    "zone = garden\n"			/* 17 */
	    "held_s = 10\n"			/* 18: warning 30 >= 10 */
	    "[staff]\n"				/* 19 */
	    "anna = boss\n"			/* 20: unknown role */
	    "bo = staff\n"			/* 21 */
	    "bo = staff\n";			/* 22: listed twice */
	static const char *const want[] = {
		":2: name: 'Villa' must be lower-case letters, digits, '-' "
		    "or '_'\n",
		":3: unknown key 'colour' in [site]\n",
		":5: release_s: 2 is out of range 3..3600\n",
		":6: duress: 'perhaps' is not yes or no\n",
		":9: held_warning_s: 'abc' is not a whole number\n",
		":10: door name 'Back' must be lower-case letters, digits, "
		    "'-' or '_'\n",
		":12: unknown section [kitchen]\n",
		":15: not a section header or key = value\n",
		":20: staff anna: unknown role 'boss' (staff, management or "
		    "installer)\n",
		":22: staff bo: listed twice\n",
		": [site] board is missing\n",
		":7: door front: zone is missing\n",
		":18: door side: held_warning_s (30) must be less than "
		    "held_s (10)\n",
	};
	char line[1024], *out;
	struct diag d;
	size_t i;

	(void)unused;
	assert_int_equal(load_text(text, &d, &out), -1);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(line, sizeof(line), "%s%s", cfg.path, want[i]);
		if (strstr(out, line) == NULL)
			print_message("missing: %sprinted:\n%s", line, out);
		assert_non_null(strstr(out, line));
	}
	assert_int_equal(d.count, 13);
	free(out);
}

/*
 * Random bytes shaped a little like INI (brackets, '=', newlines, control
 * characters): never a crash, and the result agrees with the count.
 */
static void
test_garbage(void **unused)
{
	static const char alphabet[] = "[]=:;# \t\r\n\001\033\177azAZ09-_.\xc3";
	char text[600], *out;
	uint32_t x = 2463534242u;
	struct diag d;
	int i, j, rc;

	(void)unused;
	for (i = 0; i < 300; i++) {
		for (j = 0; j < (int)sizeof(text) - 1; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			text[j] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		text[j] = '\0';
		rc = load_text(text, &d, &out);
		assert_int_equal(rc == 0, d.count == 0);
		assert_int_equal(rc, -1);
		free(out);
	}
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_defaults_and_overrides),
		cmocka_unit_test(test_console_idle),
		cmocka_unit_test(test_vacancy),
		cmocka_unit_test(test_syntax_variants),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_garbage),
	};
	size_t nbad = sizeof(bad) / sizeof(bad[0]);
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]), i;
	struct CMUnitTest *tests = calloc(nfixed + nbad, sizeof(*tests));
	int rc;

	if (tests == NULL)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	for (i = 0; i < nbad; i++) {
		tests[nfixed + i].name = bad[i].name;
		tests[nfixed + i].test_func = test_bad;
		tests[nfixed + i].initial_state = (void *)&bad[i];
	}
	rc = _cmocka_run_group_tests("test_config", tests, nfixed + nbad,
	    tmpdir_group_setup, tmpdir_group_teardown);
	free(tests);
	return rc;
}
