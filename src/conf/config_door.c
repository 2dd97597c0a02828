/*
 * The [door X] sections and the [staff] logins of the site configuration,
 * and the check of each door's held-open times (called from config.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "inifile.h"
#include "role.h"

static const char *const config_dkeys[DK_N] = {
	"zone", "egress", "pin", "forced_alarm", "release_s",
	"held_warning_s", "held_s",
};

/*
 * Start a [door NAME] section.  The door is completed in config_finish(),
 * where it takes whatever [defaults] says, wherever [defaults] stands.
 */
struct site_door *
config_door_new(struct config_parse *p, const char *f, int l,
    const char *name)
{
	struct site_config *c = p->c;
	struct site_door *d;
	int i;

	if (!config_name_ok(name)) {
		diag_error(p->d, f, l, "door name '%s' must be lower-case "
		    "letters, digits, '-' or '_'", name);
		return NULL;
	}
	for (i = 0; i < c->ndoors; i++)
		if (!strcmp(c->doors[i].name, name)) {
			diag_error(p->d, f, l, "door '%s' is already defined "
			    "at line %d", name, c->doors[i].line);
			return NULL;
		}
	if (c->ndoors == CONFIG_DOORS_MAX) {
		diag_error(p->d, f, l, "more than %d doors", CONFIG_DOORS_MAX);
		return NULL;
	}
	d = &c->doors[c->ndoors++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->forced_alarm = true;
	d->line = l;
	return d;
}

/*
 * Note a key of a [door X] section: its index in config_dkeys, or -1 when
 * it is unknown or set twice (reported).
 */
int
config_door_seen(struct config_parse *p, const char *f, int l,
    const char *k)
{
	int *lines = p->dline[p->door - p->c->doors], i;

	for (i = 0; i < DK_N; i++)
		if (!strcmp(k, config_dkeys[i]))
			break;
	if (i == DK_N) {
		diag_error(p->d, f, l, "unknown key '%s' in [door %s]", k,
		    p->door->name);
		return -1;
	}
	if (lines[i] != 0) {
		diag_error(p->d, f, l, "%s: set twice in [door %s] (first at "
		    "line %d)", k, p->door->name, lines[i]);
		return -1;
	}
	lines[i] = l;
	return i;
}

/* The value of door key i (from config_door_seen). */
int
config_door_key(struct config_parse *p, const char *f, int l, int i,
    const char *k, const char *v)
{
	struct site_door *d = p->door;
	int b;

	if (i >= DK_RELEASE)
		return config_timing_key(p, f, l, k, v, &d->release_s,
		    &d->held_warning_s, &d->held_s);
	if (i == DK_ZONE) {
		if (!config_name_ok(v)) {
			diag_error(p->d, f, l, "zone: '%s' must be lower-case "
			    "letters, digits, '-' or '_'", v);
			return -1;
		}
		return config_str(p, f, l, k, v, d->zone, sizeof(d->zone));
	}
	if (ini_bool(p->d, f, l, k, v, &b) != 0)
		return -1;
	if (i == DK_EGRESS)
		d->egress = b;
	else if (i == DK_PIN)
		d->pin = b;
	else
		d->forced_alarm = b;
	return 0;
}

int
config_staff_key(struct config_parse *p, const char *f, int l,
    const char *k, const char *v)
{
	struct site_config *c = p->c;
	struct site_staff *s;
	unsigned roles = role_parse(v);
	int i;

	if (!config_name_ok(k) || strlen(k) > ROLE_LOGIN_MAX) {
		diag_error(p->d, f, l, "staff login '%s' must be 1-%d "
		    "lower-case letters, digits, '-' or '_'", k, ROLE_LOGIN_MAX);
		return -1;
	}
	if (roles == 0) {
		diag_error(p->d, f, l, "staff %s: unknown role '%s' (staff, "
		    "management or installer)", k, v);
		return -1;
	}
	for (i = 0; i < c->nstaff; i++)
		if (!strcmp(c->staff[i].login, k)) {
			diag_error(p->d, f, l, "staff %s: listed twice", k);
			return -1;
		}
	if (c->nstaff == CONFIG_STAFF_MAX) {
		diag_error(p->d, f, l, "more than %d staff", CONFIG_STAFF_MAX);
		return -1;
	}
	s = &c->staff[c->nstaff++];
	snprintf(s->login, sizeof(s->login), "%s", k);
	s->roles = roles;
	return 0;
}

/* The later of two lines, either of which may be 0 (not set). */
static int
config_later(int a, int b)
{
	return a > b ? a : b;
}

/*
 * The held-open warning must come before the alarm.  [defaults] is checked
 * where it sets them; a door only where it sets one of the two itself, so
 * that one wrong line is one error rather than one per door.
 */
void
config_held_check(struct config_parse *p)
{
	struct site_config *c = p->c;
	struct site_door *door;
	int i, *lines;

	if (c->held_warning_s >= c->held_s)
		diag_error(p->d, c->path, config_later(p->def_warn_line,
		    p->def_held_line), "[defaults] held_warning_s (%d) must be "
		    "less than held_s (%d)", c->held_warning_s, c->held_s);
	for (i = 0; i < c->ndoors; i++) {
		door = &c->doors[i];
		lines = p->dline[i];
		if ((lines[DK_WARN] == 0 && lines[DK_HELD] == 0) ||
		    door->held_warning_s < door->held_s)
			continue;
		diag_error(p->d, c->path, config_later(lines[DK_WARN],
		    lines[DK_HELD]), "door %s: held_warning_s (%d) must be "
		    "less than held_s (%d)", door->name, door->held_warning_s,
		    door->held_s);
	}
}
