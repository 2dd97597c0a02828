/*
 * The retained state topics:
 *
 *	state/door/<door>	the door as cmd_door_json() shows it: phase,
 *				open, released, hold, fault, locked out;
 *				nothing about who passed
 *	state/mode		{"mode": "normal", "fire": false, ...}
 *	state/alarms		{"alarms": [{"id", "class", "point", "since",
 *				"cause_active", "acked"}]}
 *	state/storage		the journal's disk: {"ok", "queued", "lost"},
 *				and "fault": "storage", "since", "error"
 *				while rows cannot be written
 *	state/occupancy		anonymous counts from the register
 *	state/evacuation	the live roll call: rooms by number, counts
 *	vacancy			free rooms and places only, for the
 *				regional bridge: recounted once per
 *				[vacancy] interval (register_vacancy), so
 *				it never moves when a stay is admitted
 *
 * The state is recomputed from the doors and the HAL, not tracked event
 * by event: whenever the journal grows or a door moves (state_dirty), and
 * every MQTT_STATE_MS for what changes with time alone (a reader's
 * lockout running out), and at the start of each vacancy interval.  A topic is published only when its payload
 * differs from the last one the broker was sent, so a flood of events
 * that leaves a door as it was publishes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd.h"
#include "husvagtd.h"
#include "log.h"
#include "mqtt_int.h"

/* The table entry of a sub-topic, made when missing; NULL when full. */
static struct mqtt_topic *
mqtt_state_slot(struct mqtt *m, const char *sub)
{
	struct mqtt_topic *t;
	int i;

	for (i = 0; i < m->ntopics; i++)
		if (!strcmp(m->topics[i].topic, sub))
			return &m->topics[i];
	if (m->ntopics == MQTT_TOPICS_MAX) {
		log_warnx("mqtt: too many state topics; %s not published",
		    sub);
		return NULL;
	}
	t = &m->topics[m->ntopics++];
	snprintf(t->topic, sizeof(t->topic), "%s", sub);
	t->payload = NULL;
	return t;
}

/*
 * Publish text (taken over) retained on sub when it differs from what was
 * last sent there.  A failed publish leaves the old payload in the table,
 * so the next sync tries again.
 */
static void
mqtt_state_put_text(struct mqtt *m, const char *sub, char *text)
{
	struct mqtt_topic *t;

	if (text == NULL || (t = mqtt_state_slot(m, sub)) == NULL) {
		free(text);
		return;
	}
	if (t->payload != NULL && !strcmp(t->payload, text)) {
		free(text);
		return;
	}
	if (mqtt_publish(m, sub, text, strlen(text), true) < 0) {
		free(text);
		return;
	}
	free(t->payload);
	t->payload = text;
}

/* The same with a JSON payload (stolen). */
static void
mqtt_state_put(struct mqtt *m, const char *sub, json_t *payload)
{
	char *text;

	text = payload != NULL ? json_dumps(payload, JSON_COMPACT) : NULL;
	json_decref(payload);
	mqtt_state_put_text(m, sub, text);
}

/* The vacancy figure as the register last counted it: a reconnect
 * publishes the same figure again, never a fresh count. */
static void
mqtt_state_vacancy(struct mqtt *m)
{
	const char *v = register_vacancy(m->h, clock_wall_ms());

	mqtt_state_put_text(m, "vacancy", v != NULL ? strdup(v) : NULL);
}

/*
 * Doors gone from the configuration since a reload: an empty retained
 * message removes their topic from the broker.
 */
static void
mqtt_state_gone(struct mqtt *m)
{
	const char *t;
	int i = 0;

	while (i < m->ntopics) {
		t = m->topics[i].topic;
		if (strncmp(t, "state/door/", 11) != 0 ||
		    doors_find(m->h, t + 11) != NULL) {
			i++;
			continue;
		}
		mqtt_publish(m, m->topics[i].topic, "", 0, true);
		free(m->topics[i].payload);
		m->topics[i] = m->topics[--m->ntopics];
	}
}

static void
mqtt_state_doors(struct mqtt *m, uint64_t now)
{
	char sub[MQTT_TOPIC_MAX];
	int i;

	for (i = 0; i < m->h->ndoors; i++) {
		snprintf(sub, sizeof(sub), "state/door/%s", m->h->doors[i].name);
		mqtt_state_put(m, sub, cmd_door_json(m->h, &m->h->doors[i],
		    now));
	}
	mqtt_state_gone(m);
}

/* The registry's open alarms (alarm.c): class and point only, nothing
 * about who (a duress alarm names its door, not its holder). */
static void
mqtt_state_alarms(struct mqtt *m)
{
	mqtt_state_put(m, "state/alarms", json_pack("{s:o}", "alarms",
	    alarm_list_json(m->h)));
}

void
mqtt_state_sync(struct mqtt *m, uint64_t now, bool force)
{
	if (!force && !m->state_dirty && now < m->state_at + MQTT_STATE_MS &&
	    (register_vacancy_due() == 0 || now < register_vacancy_due()))
		return;
	m->state_dirty = false;
	m->state_at = now;
	mqtt_state_doors(m, now);
	mqtt_state_put(m, "state/mode", mode_run_json(m->h));
	mqtt_state_put(m, "state/storage", house_storage_json(m->h));
	mqtt_state_alarms(m);
	mqtt_state_put(m, "state/occupancy", register_occupancy_json(m->h));
	mqtt_state_put(m, "state/evacuation", evac_state_json(m->h));
	mqtt_state_vacancy(m);
}

void
mqtt_state_forget(struct mqtt *m)
{
	int i;

	for (i = 0; i < m->ntopics; i++)
		free(m->topics[i].payload);
	m->ntopics = 0;
}

void
mqtt_state_free(struct mqtt *m)
{
	mqtt_state_forget(m);
}
