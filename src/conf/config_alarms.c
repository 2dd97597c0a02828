/*
 * [alarm-outputs]: an output of the board (a siren relay, the relay to the
 * alarm transmitter) held on while any alarm of its classes is open.
 *
 *   [alarm-outputs]
 *   siren = fire, panic, forced
 *   transmitter = panic, duress, fire
 *
 * The key is the output point's role in the board file (checked against
 * the board where both are known, in doors_check()).  A duress
 * alarm is silent (DESIGN 7): only the relay to the alarm transmitter, a
 * role starting with "transmitter", may carry it; a siren or a light
 * that answered a duress PIN would tell the person at the door.
 */
#include <stdio.h>
#include <string.h>

#include "alarm_class.h"
#include "config.h"

bool
config_alarm_out_transmitter(const char *role)
{
	return strncmp(role, "transmitter", 11) == 0;
}

/* Is every comma-separated word of v an alarm class?  -1 if not. */
static int
config_alarm_classes_ok(struct diag *d, const char *f, int l, const char *k,
    const char *v)
{
	char buf[256], *save = NULL, *w;

	if (strlen(v) >= sizeof(buf) || v[0] == '\0') {
		diag_error(d, f, l, "%s: give 1 to %zu characters of alarm "
		    "classes", k, sizeof(buf) - 1);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	for (w = strtok_r(buf, ", ", &save); w != NULL;
	    w = strtok_r(NULL, ", ", &save)) {
		if (alarm_class_parse(w) == ALARM_NONE) {
			diag_error(d, f, l, "%s: unknown alarm class '%s' (fire, "
			    "panic, duress, tamper, forced, held, fault, "
			    "overstay)", k, w);
			return -1;
		}
		if (!strcmp(w, "duress") && !config_alarm_out_transmitter(k)) {
			diag_error(d, f, l, "%s: duress is a silent alarm: only "
			    "a transmitter output (a role starting with "
			    "'transmitter') may carry it, never a siren or a "
			    "light", k);
			return -1;
		}
	}
	return 0;
}

int
config_alarm_out_key(struct site_config *c, struct diag *d, const char *f,
    int l, const char *k, const char *v)
{
	struct site_alarm_out *o;
	size_t n = strlen(k);
	int i;

	if (n == 0 || n >= CONFIG_NAME_MAX ||
	    strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != n) {
		diag_error(d, f, l, "[alarm-outputs]: '%s' is not an output "
		    "point's role", k);
		return -1;
	}
	for (i = 0; i < c->nalarm_outs; i++)
		if (!strcmp(c->alarm_outs[i].point, k)) {
			diag_error(d, f, l, "%s: set twice in [alarm-outputs] "
			    "(first at line %d)", k, c->alarm_outs[i].line);
			return -1;
		}
	if (c->nalarm_outs == CONFIG_ALARM_OUTS_MAX) {
		diag_error(d, f, l, "more than %d alarm outputs",
		    CONFIG_ALARM_OUTS_MAX);
		return -1;
	}
	if (config_alarm_classes_ok(d, f, l, k, v) != 0)
		return -1;
	o = &c->alarm_outs[c->nalarm_outs++];
	snprintf(o->point, sizeof(o->point), "%s", k);
	snprintf(o->classes, sizeof(o->classes), "%s", v);
	o->line = l;
	return 0;
}
