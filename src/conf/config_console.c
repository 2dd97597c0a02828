/*
 * [console]: the staff console's site settings.  husvagtd does not serve
 * the console (lighttpd does; husvagt-mqtt-setup writes its console.json
 * from this section), but the daemon owns husvagt.conf: a key here is
 * checked with the rest, so a typo is a file:line error at start and in
 * --check-config, not a console that silently keeps its default.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "diag.h"

#define CONSOLE_IDLE_MIN_MAX	240.0

int
config_console_key(struct site_config *c, struct diag *d, const char *f,
    int l, const char *k, const char *v)
{
	char *end;
	double m;

	if (strcmp(k, "idle_min") != 0) {
		diag_error(d, f, l, "[console]: unknown key '%s' (known: "
		    "idle_min)", k);
		return -1;
	}
	/* Minutes, as husvagt-mqtt-setup reads them: digits with at most
	 * one decimal point (0.5 is half a minute). */
	m = strtod(v, &end);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' ||
	    strspn(v, "0123456789.") != strlen(v) || !(m > 0) ||
	    m > CONSOLE_IDLE_MIN_MAX) {
		diag_error(d, f, l, "idle_min: '%s' is not a number of minutes "
		    "above 0 and at most %.0f", v, CONSOLE_IDLE_MIN_MAX);
		return -1;
	}
	c->console_idle_min = m;
	return 0;
}
