/*
 * The register's part of the site configuration: the resident rooms
 * ([room NAME]), the house guest rules ([guests]) and how long a
 * departed stay keeps its alias ([register]).  See husvagt.conf(5).
 */
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "config.h"
#include "inifile.h"

enum { RK_FLOOR, RK_CORRIDOR, RK_ZONE, RK_BEDS, RK_TYPE, RK_CHILD,
    RK_ACCESSIBLE, RK_N };
static const char *const config_rkeys[RK_N] = {
	"floor", "corridor", "zone", "beds", "type", "child_friendly",
	"accessible",
};

void
config_register_defaults(struct site_config *c)
{
	struct site_guests *g = &c->guests;

	snprintf(g->visiting_hours, sizeof(g->visiting_hours),
	    "mon-sun 10:00-20:00");
	g->max_visit_min = 180;
	g->max_guests = 2;
	snprintf(g->areas, sizeof(g->areas), "common");
	g->without_agreement = false;
	c->retention_days = 30;
}

/* A name of lower-case letters, digits, '-' or '_' that fits len. */
static int
config_reg_name(struct diag *d, const char *f, int l, const char *what,
    const char *v, size_t len)
{
	size_t n = strlen(v);

	if (n == 0 || n >= len ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-_") != n) {
		diag_error(d, f, l, "%s: '%s' must be 1-%zu lower-case "
		    "letters, digits, '-' or '_'", what, v, len - 1);
		return -1;
	}
	return 0;
}

int
config_room_new(struct site_config *c, struct config_register_parse *r,
    struct diag *d, const char *f, int l, const char *name)
{
	struct site_room *room;
	int i;

	r->room = NULL;
	if (config_reg_name(d, f, l, "room name", name,
	    CONFIG_ROOM_NAME_MAX) != 0)
		return -1;
	for (i = 0; i < c->nrooms; i++)
		if (!strcmp(c->rooms[i].name, name)) {
			diag_error(d, f, l, "room '%s' is already defined at "
			    "line %d", name, c->rooms[i].line);
			return -1;
		}
	if (c->nrooms == CONFIG_ROOMS_MAX) {
		diag_error(d, f, l, "more than %d rooms", CONFIG_ROOMS_MAX);
		return -1;
	}
	room = &c->rooms[c->nrooms++];
	memset(room, 0, sizeof(*room));
	snprintf(room->name, sizeof(room->name), "%s", name);
	snprintf(room->zone, sizeof(room->zone), "room-%s", name);
	room->beds = 1;
	room->line = l;
	r->room = room;
	r->room_seen = 0;
	return 0;
}

int
config_room_key(struct site_config *c, struct config_register_parse *r,
    struct diag *d, const char *f, int l, const char *k, const char *v)
{
	struct site_room *room = r->room;
	long n;
	int i, b;

	(void)c;
	for (i = 0; i < RK_N && strcmp(k, config_rkeys[i]); i++)
		;
	if (i == RK_N) {
		diag_error(d, f, l, "unknown key '%s' in [room %s]", k,
		    room->name);
		return -1;
	}
	if (r->room_seen & (1u << i)) {
		diag_error(d, f, l, "%s: set twice in [room %s]", k,
		    room->name);
		return -1;
	}
	r->room_seen |= 1u << i;
	switch (i) {
	case RK_FLOOR:
		if (ini_long(d, f, l, k, v, -5, 50, &n) != 0)
			return -1;
		room->floor = (int)n;
		return 0;
	case RK_BEDS:
		if (ini_long(d, f, l, k, v, 1, 12, &n) != 0)
			return -1;
		room->beds = (int)n;
		return 0;
	case RK_CORRIDOR:
	case RK_ZONE:
		if (config_reg_name(d, f, l, k, v, CONFIG_NAME_MAX) != 0)
			return -1;
		snprintf(i == RK_ZONE ? room->zone : room->corridor,
		    CONFIG_NAME_MAX, "%s", v);
		return 0;
	case RK_TYPE:
		if (strcmp(v, "single") && strcmp(v, "double")) {
			diag_error(d, f, l, "type: '%s' must be single or "
			    "double", v);
			return -1;
		}
		room->double_room = !strcmp(v, "double");
		return 0;
	default:
		if (ini_bool(d, f, l, k, v, &b) != 0)
			return -1;
		if (i == RK_ACCESSIBLE)
			room->accessible = b;
		else
			room->child_friendly = b;
		return 0;
	}
}

int
config_guests_key(struct site_config *c, struct diag *d, const char *f,
    int l, const char *k, const char *v)
{
	struct site_guests *g = &c->guests;
	struct access_window w[ACCESS_WINDOWS_MAX];
	const char *err = NULL;
	long n;
	int b;

	if (!strcmp(k, "visiting_hours")) {
		if (strlen(v) >= sizeof(g->visiting_hours) ||
		    access_windows_parse(v, w, ACCESS_WINDOWS_MAX, &err) < 0) {
			diag_error(d, f, l, "visiting_hours: '%s' is not like "
			    "'mon-fri 10:00-20:00; sat,sun 12:00-18:00'%s%s",
			    v, err != NULL ? ": " : "", err != NULL ? err : "");
			return -1;
		}
		snprintf(g->visiting_hours, sizeof(g->visiting_hours), "%s", v);
		return 0;
	}
	if (!strcmp(k, "max_visit_min") || !strcmp(k, "max_guests")) {
		if (ini_long(d, f, l, k, v, 1, !strcmp(k, "max_guests") ? 20 :
		    24 * 60, &n) != 0)
			return -1;
		*(!strcmp(k, "max_guests") ? &g->max_guests :
		    &g->max_visit_min) = (int)n;
		return 0;
	}
	if (!strcmp(k, "areas")) {
		if (strlen(v) >= sizeof(g->areas) || v[0] == '\0' ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-_, ") !=
		    strlen(v)) {
			diag_error(d, f, l, "areas: '%s' must be zone names "
			    "separated by commas", v);
			return -1;
		}
		snprintf(g->areas, sizeof(g->areas), "%s", v);
		return 0;
	}
	if (!strcmp(k, "without_agreement")) {
		if (ini_bool(d, f, l, k, v, &b) != 0)
			return -1;
		g->without_agreement = b;
		return 0;
	}
	diag_error(d, f, l, "unknown key '%s' in [guests]", k);
	return -1;
}

int
config_register_key(struct site_config *c, struct diag *d, const char *f,
    int l, const char *k, const char *v)
{
	long n;

	if (!strcmp(k, "retention_days")) {
		if (ini_long(d, f, l, k, v, 1, 3650, &n) != 0)
			return -1;
		c->retention_days = (int)n;
		return 0;
	}
	diag_error(d, f, l, "unknown key '%s' in [register]", k);
	return -1;
}

/* Is zone the zone of some door? */
static int
config_door_zone(const struct site_config *c, const char *zone)
{
	int i;

	for (i = 0; i < c->ndoors; i++)
		if (!strcmp(c->doors[i].zone, zone))
			return 1;
	return 0;
}

void
config_register_finish(struct site_config *c, struct diag *d)
{
	struct site_room *r;
	int i;

	for (i = 0; i < c->nrooms; i++) {
		r = &c->rooms[i];
		if (r->corridor[0] == '\0')
			diag_error(d, c->path, r->line, "room %s: corridor is "
			    "missing (the zone of its corridor door)", r->name);
		else if (!config_door_zone(c, r->corridor))
			diag_error(d, c->path, r->line, "room %s: no door has "
			    "the corridor zone '%s'", r->name, r->corridor);
		if (!config_door_zone(c, r->zone))
			diag_error(d, c->path, r->line, "room %s: no door has "
			    "the zone '%s'", r->name, r->zone);
	}
}
