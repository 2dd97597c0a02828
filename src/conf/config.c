/*
 * The site configuration parser.  Keys are looked up in small tables so
 * that an unknown key, a wrong type or an absurd value is reported with
 * its line, and parsing goes on to find every other error too.
 */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "role.h"
#include "config.h"
#include "config_int.h"
#include "inifile.h"

/*
 * inih keeps 49 characters of a section title and drops the rest without
 * a word, so a longer title would silently name another door.
 */
#define CONFIG_SECTION_MAX	48

/* Copy a string value into a fixed field, refusing what does not fit. */
int
config_str(struct config_parse *p, const char *file, int line,
    const char *key, const char *value, char *dst, size_t len)
{
	if (strlen(value) >= len || value[0] == '\0') {
		diag_error(p->d, file, line, "%s: must be 1 to %zu characters",
		    key, len - 1);
		return -1;
	}
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

/* A whole number of seconds within [min, max]. */
int
config_secs(struct config_parse *p, const char *file, int line,
    const char *key, const char *value, long min, long max, int *dst)
{
	long v;

	if (ini_long(p->d, file, line, key, value, min, max, &v) != 0)
		return -1;
	*dst = (int)v;
	return 0;
}

/* Names of doors, zones and logins: lower case, digits, '-' and '_'. */
int
config_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONFIG_NAME_MAX || s[0] < 'a' || s[0] > 'z')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

static int
config_site_key(struct config_parse *p, const char *f, int l,
    const char *k, const char *v)
{
	struct site_config *c = p->c;

	if (!strcmp(k, "name")) {
		if (!config_name_ok(v)) {
			diag_error(p->d, f, l, "name: '%s' must be lower-case "
			    "letters, digits, '-' or '_'", v);
			return -1;
		}
		return config_str(p, f, l, k, v, c->name, sizeof(c->name));
	}
	if (!strcmp(k, "timezone"))
		return config_str(p, f, l, k, v, c->timezone,
		    sizeof(c->timezone));
	if (!strcmp(k, "board"))
		return config_str(p, f, l, k, v, c->board, sizeof(c->board));
	if (!strcmp(k, "state_dir"))
		return config_str(p, f, l, k, v, c->state_dir,
		    sizeof(c->state_dir));
	if (!strcmp(k, "control_socket"))
		return config_str(p, f, l, k, v, c->control_socket,
		    sizeof(c->control_socket));
	if (!strcmp(k, "sim_socket"))
		return config_str(p, f, l, k, v, c->sim_socket,
		    sizeof(c->sim_socket));
	diag_error(p->d, f, l, "unknown key '%s' in [site]", k);
	return -1;
}

/* Door timing keys, shared by [defaults] and [door X]. */
int
config_timing_key(struct config_parse *p, const char *f, int l,
    const char *k, const char *v, int *release, int *warn, int *held)
{
	if (!strcmp(k, "release_s"))
		return config_secs(p, f, l, k, v, 3, 3600, release);
	if (!strcmp(k, "held_warning_s"))
		return config_secs(p, f, l, k, v, 1, 86400, warn);
	if (!strcmp(k, "held_s"))
		return config_secs(p, f, l, k, v, 1, 86400, held);
	return 1;
}

static int
config_defaults_key(struct config_parse *p, const char *f, int l,
    const char *k, const char *v)
{
	struct site_config *c = p->c;
	int b, rc;

	if (!strcmp(k, "held_warning_s"))
		p->def_warn_line = l;
	if (!strcmp(k, "held_s"))
		p->def_held_line = l;
	rc = config_timing_key(p, f, l, k, v, &c->release_s,
	    &c->held_warning_s, &c->held_s);
	if (rc <= 0)
		return rc;
	if (!strcmp(k, "lockout_failures"))
		return config_secs(p, f, l, k, v, 1, 32, &c->lockout_failures);
	if (!strcmp(k, "lockout_window_s"))
		return config_secs(p, f, l, k, v, 1, 3600,
		    &c->lockout_window_s);
	if (!strcmp(k, "lockout_s"))
		return config_secs(p, f, l, k, v, 1, 3600, &c->lockout_s);
	if (!strcmp(k, "lockout_max_s"))
		return config_secs(p, f, l, k, v, 1, 86400, &c->lockout_max_s);
	if (!strcmp(k, "pin_free_tries"))
		return config_secs(p, f, l, k, v, 1, 10, &c->pin_free_tries);
	if (!strcmp(k, "pin_delay_s"))
		return config_secs(p, f, l, k, v, 1, 3600, &c->pin_delay_s);
	if (!strcmp(k, "pin_delay_max_s"))
		return config_secs(p, f, l, k, v, 1, 86400,
		    &c->pin_delay_max_s);
	if (!strcmp(k, "pin_alarm_after"))
		return config_secs(p, f, l, k, v, 1, 20, &c->pin_alarm_after);
	if (!strcmp(k, "pin_timeout_s"))
		return config_secs(p, f, l, k, v, 3, 120, &c->pin_timeout_s);
	if (!strcmp(k, "enrol_timeout_s"))
		return config_secs(p, f, l, k, v, 5, 600, &c->enrol_timeout_s);
	if (!strcmp(k, "duress") || !strcmp(k, "drill_release")) {
		if (ini_bool(p->d, f, l, k, v, &b) != 0)
			return -1;
		*(!strcmp(k, "duress") ? &c->duress : &c->drill_release) = b;
		return 0;
	}
	diag_error(p->d, f, l, "unknown key '%s' in [defaults]", k);
	return -1;
}

/* Whether s holds a control character (tab included). */
static int
config_has_ctrl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* A section title the rest of the parser can take at its word, or -1. */
static int
config_section_title(struct config_parse *p, const char *f, int l,
    const char *section)
{
	if (config_has_ctrl(section)) {
		diag_error(p->d, f, l, "a section title contains a control "
		    "character");
		return -1;
	}
	if (strlen(section) > CONFIG_SECTION_MAX) {
		diag_error(p->d, f, l, "section title [%s...] is longer than "
		    "%d characters", section, CONFIG_SECTION_MAX);
		return -1;
	}
	return 0;
}

/* Note a new section (l: its header's line) once, at its first key. */
static int
config_section(struct config_parse *p, const char *f, int l,
    const char *section)
{
	if (p->section_line == l)
		return p->section_ok ? 0 : -1;
	p->section_line = l;
	p->section_ok = 0;
	p->door = NULL;
	p->reg.room = NULL;
	if (config_section_title(p, f, l, section) != 0)
		return -1;
	p->section_ok = 1;
	if (!strncmp(section, "door ", 5)) {
		p->door = config_door_new(p, f, l, section + 5);
		p->section_ok = p->door != NULL;
	} else if (!strncmp(section, "room ", 5)) {
		p->section_ok = config_room_new(p->c, &p->reg, p->d, f, l,
		    section + 5) == 0;
	} else if (strcmp(section, "site") && strcmp(section, "defaults") &&
	    strcmp(section, "staff") && strcmp(section, "mqtt") &&
	    strcmp(section, "guests") && strcmp(section, "register") &&
	    strcmp(section, "alarm-outputs") && strcmp(section, "console") &&
	    strcmp(section, "vacancy")) {
		diag_error(p->d, f, l, "unknown section [%s]", section);
		p->section_ok = 0;
	}
	return p->section_ok ? 0 : -1;
}

/*
 * One key.  Where a key was given is noted before its value is judged,
 * so that a value refused is one error, not also "missing"; and nothing
 * echoes a control character to the installer's terminal.
 */
static int
config_key(void *arg, const char *f, int l, int sl, const char *section,
    const char *k, const char *v)
{
	struct config_parse *p = arg;
	int i = -1;

	p->nkeys++;
	if (section[0] == '\0') {
		diag_error(p->d, f, l, "'%s' is outside a section",
		    config_has_ctrl(k) ? "?" : k);
		return -1;
	}
	if (config_section(p, f, sl, section) != 0)
		return -1;
	if (config_has_ctrl(k)) {
		diag_error(p->d, f, l, "a key contains a control character");
		return -1;
	}
	if (!strcmp(section, "site") && !strcmp(k, "name"))
		p->name_line = l;
	if (!strcmp(section, "site") && !strcmp(k, "board"))
		p->board_line = l;
	if (p->door != NULL && (i = config_door_seen(p, f, l, k)) < 0)
		return -1;
	if (config_has_ctrl(v)) {
		diag_error(p->d, f, l, "%s: the value contains a control "
		    "character", k);
		return -1;
	}
	if (!strcmp(section, "site"))
		return config_site_key(p, f, l, k, v);
	if (!strcmp(section, "defaults"))
		return config_defaults_key(p, f, l, k, v);
	if (!strcmp(section, "staff"))
		return config_staff_key(p, f, l, k, v);
	if (!strcmp(section, "mqtt"))
		return config_mqtt_key(&p->c->mqtt, p->d, f, l, k, v);
	if (!strcmp(section, "guests"))
		return config_guests_key(p->c, p->d, f, l, k, v);
	if (!strcmp(section, "register"))
		return config_register_key(p->c, p->d, f, l, k, v);
	if (!strcmp(section, "alarm-outputs"))
		return config_alarm_out_key(p->c, p->d, f, l, k, v);
	if (!strcmp(section, "console"))
		return config_console_key(p->c, p->d, f, l, k, v);
	if (!strcmp(section, "vacancy"))
		return config_vacancy_key(p->c, p->d, f, l, k, v);
	if (p->reg.room != NULL)
		return config_room_key(p->c, &p->reg, p->d, f, l, k, v);
	return config_door_key(p, f, l, i, k, v);
}

static void
config_set_defaults(struct site_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->timezone, sizeof(c->timezone), "Europe/Copenhagen");
	c->console_idle_min = 15;
	config_vacancy_defaults(&c->vacancy);
	snprintf(c->state_dir, sizeof(c->state_dir), "/var/lib/husvagt");
	snprintf(c->control_socket, sizeof(c->control_socket),
	    "/run/husvagt/control.sock");
	snprintf(c->sim_socket, sizeof(c->sim_socket), "/run/husvagt/sim.sock");
	c->release_s = 5;
	c->held_warning_s = 30;
	c->held_s = 60;
	c->lockout_failures = 5;
	c->lockout_window_s = 30;
	c->lockout_s = 30;
	c->lockout_max_s = 3600;
	c->pin_free_tries = 3;
	c->pin_delay_s = 30;
	c->pin_delay_max_s = 3600;
	c->pin_alarm_after = 3;
	c->pin_timeout_s = 10;
	c->duress = true;
	c->enrol_timeout_s = 60;
	config_mqtt_defaults(&c->mqtt);
	config_register_defaults(c);
}

/* Resolve a path relative to the configuration file's folder. */
static void
config_resolve(const struct site_config *c, char *path, size_t len,
    struct diag *d)
{
	char dir[CONFIG_PATH_MAX], out[CONFIG_PATH_MAX * 2 + 2];
	int n;

	if (path[0] == '/' || path[0] == '\0')
		return;
	memcpy(dir, c->path, sizeof(dir));
	n = snprintf(out, sizeof(out), "%s/%s", dirname(dir), path);
	if (n < 0 || (size_t)n >= len) {
		diag_error(d, c->path, 0, "path '%s' is too long", path);
		return;
	}
	memcpy(path, out, (size_t)n + 1);
}

/* Whole-file checks once every key is known; doors take the defaults. */
static void
config_finish(struct config_parse *p)
{
	struct site_config *c = p->c;
	struct site_door *door;
	int i;

	if (p->name_line == 0)
		diag_error(p->d, c->path, 0, "[site] name is missing");
	if (p->board_line == 0)
		diag_error(p->d, c->path, 0, "[site] board is missing");
	if (c->ndoors == 0)
		diag_error(p->d, c->path, 0, "no [door NAME] section");
	config_resolve(c, c->board, sizeof(c->board), p->d);
	config_resolve(c, c->state_dir, sizeof(c->state_dir), p->d);
	config_resolve(c, c->control_socket, sizeof(c->control_socket), p->d);
	config_resolve(c, c->sim_socket, sizeof(c->sim_socket), p->d);
	for (i = 0; i < c->ndoors; i++) {
		door = &c->doors[i];
		if (door->release_s == 0)
			door->release_s = c->release_s;
		if (door->held_warning_s == 0)
			door->held_warning_s = c->held_warning_s;
		if (door->held_s == 0)
			door->held_s = c->held_s;
		if (p->dline[i][DK_ZONE] == 0)
			diag_error(p->d, c->path, door->line,
			    "door %s: zone is missing", door->name);
	}
	config_held_check(p);
	config_register_finish(c, p->d);
}

int
config_load(struct site_config *c, const char *path, struct diag *d)
{
	struct config_parse p = { .c = c, .d = d };
	int before = d->count, rc;

	config_set_defaults(c);
	if (strlen(path) >= sizeof(c->path)) {
		diag_error(d, path, 0, "path too long");
		return -1;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	rc = inifile_parse(path, config_key, &p, d);
	/* Whole-file checks on a file that could not be read would only add
	 * noise to the one error that matters. */
	if (rc == 0 || p.nkeys > 0)
		config_finish(&p);
	return rc == 0 && d->count == before ? 0 : -1;
}
