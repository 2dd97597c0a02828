/*
 * Validation of an enrolment, kept apart from the store so that the
 * command layer can check arguments before it waits for a chip to be
 * presented, and gets the same answer cred_enrol() would give.
 */
#include <string.h>

#include "cred.h"

#define CRED_LOGIN_MAX	32	/* staff:LOGIN, LOGIN of 1..32 */
#define CRED_STAY_MAX	18	/* digits of stay:ID, so it fits an int64 */
#define CRED_ZONE_MAX	32	/* one zone name */
#define CRED_LABEL_MAX	64

/* Is c an ASCII lower-case letter?  Spelled out rather than islower(),
 * whose answer depends on the locale. */
static int
cred_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

/* Are the n characters of s all a-z, 0-9 or in extra? */
static int
cred_chars(const char *s, size_t n, const char *extra)
{
	for (; n > 0; s++, n--)
		if (!cred_lower(*s) && !(*s >= '0' && *s <= '9') &&
		    (*s == '\0' || strchr(extra, *s) == NULL))
			return 0;
	return 1;
}

/* ^(stay:[0-9]+|staff:[a-z][a-z0-9_-]{0,31})$, short enough for
 * struct access_cred. */
int
cred_holder_ok(const char *h)
{
	size_t n;

	if (h == NULL)
		return 0;
	if (strncmp(h, "stay:", 5) == 0) {
		n = strlen(h + 5);
		return n >= 1 && n <= CRED_STAY_MAX &&
		    strspn(h + 5, "0123456789") == n;
	}
	if (strncmp(h, "staff:", 6) == 0) {
		h += 6;
		n = strlen(h);
		return n >= 1 && n <= CRED_LOGIN_MAX && cred_lower(h[0]) &&
		    cred_chars(h, n, "_-");
	}
	return 0;
}

/* A comma list of zone names of [a-z0-9-], or "*" for every zone. */
static int
cred_zones_ok(const char *z)
{
	size_t n;

	if (z == NULL || *z == '\0' || strlen(z) >= ACCESS_ZONES_MAX)
		return 0;
	for (;;) {
		n = strcspn(z, ",");
		if (!(n == 1 && *z == '*') &&
		    (n == 0 || n > CRED_ZONE_MAX || !cred_chars(z, n, "-")))
			return 0;
		if (z[n] == '\0')
			return 1;
		z += n + 1;
	}
}

/* 4 to 8 digits. */
int
cred_pin_valid(const char *pin)
{
	size_t n = pin != NULL ? strlen(pin) : 0;

	return n >= CRED_PIN_MIN && n <= CRED_PIN_MAX &&
	    strspn(pin, "0123456789") == n;
}

/* Payload bits of each Wiegand format; 0 for a format not supported. */
static int
cred_format_bits(int format)
{
	switch (format) {
	case 26:
		return 24;
	case 34:
		return 32;
	case 37:
		return 35;
	default:
		return 0;
	}
}

/* A label is free text without line breaks or control characters. */
static int
cred_label_ok(const char *label)
{
	if (label == NULL)
		return 1;
	if (strlen(label) > CRED_LABEL_MAX)
		return 0;
	for (; *label != '\0'; label++)
		if ((unsigned char)*label < 0x20 || *label == 0x7f)
			return 0;
	return 1;
}

/* Validate an enrolment; NULL when good, else the reason. */
const char *
cred_check(const struct cred_new *n)
{
	struct access_window w[ACCESS_WINDOWS_MAX];
	const char *why;
	int bits = cred_format_bits(n->format);

	if (!cred_holder_ok(n->holder))
		return "bad_holder";
	if (bits == 0)
		return "bad_format";
	if (n->number >> bits != 0)
		return "bad_number";
	if (!cred_zones_ok(n->zones))
		return "bad_zones";
	if (n->valid_from < 0 || n->valid_to < 0 ||
	    (n->valid_to != 0 && n->valid_to < n->valid_from))
		return "bad_dates";
	if (n->windows != NULL &&
	    access_windows_parse(n->windows, w, ACCESS_WINDOWS_MAX, &why) < 0)
		return "bad_windows";
	if (n->pin != NULL && !cred_pin_valid(n->pin))
		return "bad_pin";
	if (!cred_label_ok(n->label))
		return "bad_label";
	return NULL;
}
