/*
 * Credential rules.  Everything here is a pure function of its arguments:
 * the caller has already looked the chip up, checked the PIN against its
 * keyed hash and turned the clock into a local weekday and minute, so a
 * decision can be replayed and tested without a database or a clock.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "access.h"

static const char *access_reason_names[] = {
	[ACCESS_OK] = "ok",
	[ACCESS_UNKNOWN] = "unknown_credential",
	[ACCESS_REVOKED] = "revoked",
	[ACCESS_NOT_YET_VALID] = "not_yet_valid",
	[ACCESS_EXPIRED] = "expired",
	[ACCESS_ZONE] = "out_of_zone",
	[ACCESS_WINDOW] = "out_of_window",
	[ACCESS_PIN_REQUIRED] = "pin_required",
	[ACCESS_BAD_PIN] = "wrong_pin",
	[ACCESS_LOCKED_OUT] = "reader_locked_out",
	[ACCESS_LOCKDOWN] = "lockdown",
	[ACCESS_ERROR] = "error",
	[ACCESS_PIN_DELAY] = "pin_delay",
};

static const char *access_day_names[7] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun"
};

#define ACCESS_ALL_DAYS		0x7f
#define ACCESS_DAY_MIN		(24 * 60)

/* Judges the PIN the caller checked; sets *duress on a duress grant. */
static enum access_reason
access_pin_decide(const struct access_request *req, bool *duress)
{
	switch (req->pin) {
	case ACCESS_PIN_NONE:
		return req->pin_required ? ACCESS_PIN_REQUIRED : ACCESS_OK;
	case ACCESS_PIN_MATCH:
		return ACCESS_OK;
	case ACCESS_PIN_DURESS:
		*duress = true;
		return ACCESS_OK;
	case ACCESS_PIN_WRONG:
		break;
	}
	/*
	 * A PIN typed at a reader that does not ask for one is still judged:
	 * a wrong one is somebody guessing, and it must count towards the
	 * reader lockout like any other failure.
	 */
	return ACCESS_BAD_PIN;
}

/* Is the credential inside its validity dates at now? */
static enum access_reason
access_validity(const struct access_cred *cred, int64_t now)
{
	if (cred->valid_from != 0 && now < cred->valid_from)
		return ACCESS_NOT_YET_VALID;
	/* Both bounds are inclusive: valid_to is the last valid second. */
	if (cred->valid_to != 0 && now > cred->valid_to)
		return ACCESS_EXPIRED;
	return ACCESS_OK;
}

/* Decides, checking in the order that gives the most telling reason. */
enum access_reason
access_decide(const struct access_cred *cred,
    const struct access_request *req, bool *duress)
{
	enum access_reason r;
	bool dummy;

	if (duress == NULL)
		duress = &dummy;
	*duress = false;
	if (req->locked_out)
		return ACCESS_LOCKED_OUT;
	if (cred == NULL)
		return ACCESS_UNKNOWN;
	if (cred->revoked)
		return ACCESS_REVOKED;
	if ((r = access_validity(cred, req->now)) != ACCESS_OK)
		return r;
	if (req->lockdown && !cred->staff)
		return ACCESS_LOCKDOWN;
	if (!access_zone_match(cred->zones, req->zone))
		return ACCESS_ZONE;
	if (cred->nwindows > 0 && !access_window_match(cred->windows,
	    cred->nwindows, req->weekday, req->minute))
		return ACCESS_WINDOW;
	return access_pin_decide(req, duress);
}

/* Returns the snake_case name of a reason, as journalled. */
const char *
access_reason_name(enum access_reason r)
{
	if ((size_t)r >= sizeof(access_reason_names) /
	    sizeof(*access_reason_names))
		return "unknown_reason";
	return access_reason_names[r];
}

/* Is zone in the comma-separated list?  Spaces around names are ignored. */
bool
access_zone_match(const char *zones, const char *zone)
{
	const char *p, *end;
	size_t zlen, len;

	if (zones == NULL || zone == NULL || *zone == '\0')
		return false;
	zlen = strlen(zone);
	for (p = zones; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 1 && *p == '*')
			return true;
		if (len == zlen && strncmp(p, zone, len) == 0)
			return true;
	}
	return false;
}

/* Skips spaces and tabs. */
static const char *
access_skip(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parses one three-letter day name; returns 0-6 or -1. */
static int
access_parse_day(const char **pp)
{
	const char *p = *pp;
	int d;

	for (d = 0; d < 7; d++) {
		if (strncasecmp(p, access_day_names[d], 3) == 0 &&
		    !isalpha((unsigned char)p[3])) {
			*pp = p + 3;
			return d;
		}
	}
	return -1;
}

/* Parses "daily" or a list of days and day ranges into a bit set. */
static int
access_parse_days(const char **pp, uint8_t *days)
{
	const char *p = access_skip(*pp);
	int from, to;

	*days = 0;
	if (strncasecmp(p, "daily", 5) == 0 && !isalpha((unsigned char)p[5])) {
		*days = ACCESS_ALL_DAYS;
		*pp = p + 5;
		return 0;
	}
	for (;;) {
		if ((from = to = access_parse_day(&p)) < 0)
			return -1;
		p = access_skip(p);
		if (*p == '-') {
			p = access_skip(p + 1);
			if ((to = access_parse_day(&p)) < 0)
				return -1;
			p = access_skip(p);
		}
		/* A range may wrap the week end: "fri-mon". */
		for (;; from = (from + 1) % 7) {
			*days |= (uint8_t)(1u << from);
			if (from == to)
				break;
		}
		if (*p != ',')
			break;
		p = access_skip(p + 1);
	}
	*pp = p;
	return 0;
}

/* Parses "HH:MM" into minutes; "24:00" only when end is set. */
static int
access_parse_time(const char **pp, int end, uint16_t *min)
{
	const char *p = access_skip(*pp);
	int h, m;

	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
	    p[2] != ':' || !isdigit((unsigned char)p[3]) ||
	    !isdigit((unsigned char)p[4]) || isdigit((unsigned char)p[5]))
		return -1;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
		return -1;
	*min = (uint16_t)(h * 60 + m);
	*pp = p + 5;
	return 0;
}

/* Parses one "days HH:MM-HH:MM" item; *why names what is wrong. */
static int
access_parse_item(const char **pp, struct access_window *w, const char **why)
{
	const char *p = *pp;

	if (access_parse_days(&p, &w->days) == -1) {
		*why = "bad_days";
		return -1;
	}
	if (access_parse_time(&p, 0, &w->from_min) == -1) {
		*why = "bad_time";
		return -1;
	}
	p = access_skip(p);
	if (*p != '-') {
		*why = "bad_time_range";
		return -1;
	}
	p++;
	if (access_parse_time(&p, 1, &w->to_min) == -1) {
		*why = "bad_time";
		return -1;
	}
	*pp = access_skip(p);
	return 0;
}

/* Parses windows separated by ';'; returns how many, or -1 and *why. */
int
access_windows_parse(const char *text, struct access_window *out, int max,
    const char **why)
{
	const char *p, *dummy;
	int n = 0;

	if (why == NULL)
		why = &dummy;
	/* An empty text is not "any time": that is said by passing none. */
	if (text == NULL || *(p = access_skip(text)) == '\0') {
		*why = "empty_windows";
		return -1;
	}
	for (;;) {
		if (n >= max) {
			*why = "too_many_windows";
			return -1;
		}
		if (access_parse_item(&p, &out[n], why) == -1)
			return -1;
		n++;
		if (*p == '\0')
			return n;
		if (*p != ';') {
			*why = "trailing_text";
			return -1;
		}
		p = access_skip(p + 1);
	}
}

/* Does one window cover (weekday, minute)? */
static bool
access_window_covers(const struct access_window *w, int weekday, int minute)
{
	int yesterday = (weekday + 6) % 7;
	bool today = (w->days >> weekday) & 1;

	if (w->from_min == w->to_min)
		return today;
	if (w->from_min < w->to_min)
		return today && minute >= w->from_min && minute < w->to_min;
	/* Across midnight: the small hours belong to the day before. */
	if (today && minute >= w->from_min)
		return true;
	return ((w->days >> yesterday) & 1) && minute < w->to_min;
}

/* Is (weekday, minute) inside any of the n windows? */
bool
access_window_match(const struct access_window *w, int n, int weekday,
    int minute)
{
	int i;

	if (weekday < 0 || weekday > 6 || minute < 0 ||
	    minute >= ACCESS_DAY_MIN)
		return false;
	for (i = 0; i < n; i++)
		if (access_window_covers(&w[i], weekday, minute))
			return true;
	return false;
}
