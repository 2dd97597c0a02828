/*
 * Alarm outputs per class ([alarm-outputs]): a siren relay, the relay to
 * the alarm transmitter (the police or a monitoring centre), held on
 * while an alarm of one of their classes needs them.
 *
 * The rule, as alarm panels have it:
 * - a sounder (any output whose role does not start with "transmitter")
 *   is on while an alarm of its classes is not yet acknowledged:
 *   acknowledging silences it, even while the cause persists (the fire
 *   panel still in alarm, a door still open);
 * - a transmitter is on while an alarm of its classes is open at all
 *   (alarm.list: not both acknowledged and cleared), so the monitoring
 *   centre sees the alarm until its cause is gone and staff have seen
 *   it; an acknowledgement alone does not call off the police.
 * A duress alarm is silent: the configuration refuses it on anything but
 * a transmitter (config_alarms.c).
 *
 * The values are queued here and written at the end of the loop's turn
 * (house_flush_tick flushes what is due), so the journal row that raised or
 * acknowledged the alarm is committed before the relay moves (DESIGN 8),
 * and the queue written is the last one computed: the intermediate
 * states of a start (causes presumed cleared, then raised again) never
 * reach the wire.
 */
#include <stdio.h>
#include <string.h>

#include "alarm_table.h"
#include "clock.h"
#include "house.h"
#include "log.h"

/* The classes that need their outputs now, each as ",fire,panic,". */
struct alarm_out_want {
	char	 unacked[256];	/* for sounders: not yet acknowledged */
	char	 open[256];	/* for transmitters: in the list */
};

/* Add ",cls," to a list of classes unless it is there. */
static void
alarm_out_add(char *list, size_t len, const char *cls)
{
	char word[64];
	size_t n = strlen(list);

	snprintf(word, sizeof(word), ",%s,", cls);
	if (strstr(list, word) != NULL)
		return;
	snprintf(list + n, len - n, "%s", n == 0 ? word : word + 1);
}

static void
alarm_out_class(void *arg, const char *cls, bool unacked)
{
	struct alarm_out_want *w = arg;

	alarm_out_add(w->open, sizeof(w->open), cls);
	if (unacked)
		alarm_out_add(w->unacked, sizeof(w->unacked), cls);
}

/* The classes of the open alarms, and those of them not acknowledged. */
static int
alarm_out_classes(struct husvagt *h, struct alarm_out_want *w)
{
	w->unacked[0] = w->open[0] = '\0';
	return alarm_table_classes(h->db, alarm_out_class, w);
}

/* Does the comma-separated configuration list name a class in want? */
static bool
alarm_out_any(const char *classes, const char *want)
{
	char buf[256], word[64], *save = NULL, *c;

	snprintf(buf, sizeof(buf), "%s", classes);
	for (c = strtok_r(buf, ", ", &save); c != NULL;
	    c = strtok_r(NULL, ", ", &save)) {
		snprintf(word, sizeof(word), ",%s,", c);
		if (strstr(want, word) != NULL)
			return true;
	}
	return false;
}

/* Ask the loop to write the queued outputs at the end of this turn. */
static void
alarm_out_flush_soon(struct husvagt *h)
{
	uint64_t now = clock_mono_ms();

	if (h->flush_retry_at == 0 || h->flush_retry_at > now)
		h->flush_retry_at = now;
}

void
alarm_outputs_update(struct husvagt *h)
{
	struct alarm_out_want w;
	const struct site_alarm_out *o;
	int i, p;

	if (h->cfg.nalarm_outs == 0 || h->hal == NULL ||
	    alarm_out_classes(h, &w) == -1)
		return;
	for (i = 0; i < h->cfg.nalarm_outs; i++) {
		o = &h->cfg.alarm_outs[i];
		if ((p = hal_point(h->hal, o->point)) < 0)
			continue;	/* refused by the configuration check */
		hal_output_set(h->hal, p, alarm_out_any(o->classes,
		    config_alarm_out_transmitter(o->point) ? w.open : w.unacked));
	}
	alarm_out_flush_soon(h);
}

/*
 * Before a reload takes nc: an output the new configuration no longer
 * names is switched off, since nothing would ever switch it off later.
 */
void
alarm_outputs_reload(struct husvagt *h, const struct site_config *nc)
{
	int i, j, p;

	for (i = 0; i < h->cfg.nalarm_outs; i++) {
		for (j = 0; j < nc->nalarm_outs; j++)
			if (!strcmp(h->cfg.alarm_outs[i].point,
			    nc->alarm_outs[j].point))
				break;
		if (j < nc->nalarm_outs ||
		    (p = hal_point(h->hal, h->cfg.alarm_outs[i].point)) < 0)
			continue;
		hal_output_set(h->hal, p, false);
		alarm_out_flush_soon(h);
	}
}
