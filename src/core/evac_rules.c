/*
 * The roll call's rules without I/O: when a mode change opens or turns a
 * record, and what staff may type to name an item.
 */
#include <stdio.h>
#include <string.h>

#include "evac_rules.h"

enum evac_action
evac_decide(const struct mode_state *old, const struct mode_state *now,
    const char *open_kind)
{
	enum mode was = mode_effective(old), is = mode_effective(now);

	if (was == is)
		return EVAC_NONE;
	if (is == MODE_FIRE) {
		if (open_kind == NULL)
			return EVAC_OPEN_FIRE;
		if (strcmp(open_kind, "drill"))
			return EVAC_NONE;	/* the fire's record is open */
		return old->drill ? EVAC_TO_FIRE : EVAC_REPLACE_FIRE;
	}
	if (is == MODE_DRILL && open_kind == NULL)
		return EVAC_OPEN_DRILL;
	return EVAC_NONE;
}

/* n bytes of s, all of them in set, at least one. */
static bool
evac_all_of(const char *s, size_t n, const char *set)
{
	return n > 0 && strspn(s, set) == n;
}

#define EVAC_DIGITS	"0123456789"
#define EVAC_NAMECHARS	"abcdefghijklmnopqrstuvwxyz0123456789-_"

/* A room name as [room NAME] allows: 1-15 of a-z 0-9 - _. */
static bool
evac_room_ok(const char *s)
{
	size_t n = strlen(s);

	return n <= 15 && evac_all_of(s, n, EVAC_NAMECHARS);
}

/* A visit id: 1-18 digits, not starting with 0. */
static bool
evac_visit_ok(const char *s)
{
	size_t n = strlen(s);

	return n <= 18 && s[0] != '0' && evac_all_of(s, n, EVAC_DIGITS);
}

/* A staff login: [a-z][a-z0-9_-]{0,31}. */
static bool
evac_login_ok(const char *s)
{
	size_t n = strlen(s);

	return n <= 32 && s[0] >= 'a' && s[0] <= 'z' &&
	    evac_all_of(s, n, EVAC_NAMECHARS);
}

int
evac_who_parse(const char *in, char *out, size_t len)
{
	const char *colon = strchr(in, ':');
	int n = -1;

	if (len > 0)
		out[0] = '\0';
	if (colon == NULL && evac_room_ok(in))
		n = snprintf(out, len, "room:%s", in);
	else if (!strncmp(in, "room:", 5) && evac_room_ok(in + 5))
		n = snprintf(out, len, "%s", in);
	else if (!strncmp(in, "visit:", 6) && evac_visit_ok(in + 6))
		n = snprintf(out, len, "%s", in);
	else if (!strncmp(in, "staff:", 6) && evac_login_ok(in + 6))
		n = snprintf(out, len, "%s", in);
	if (n < 0 || (size_t)n >= len) {
		if (len > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}
