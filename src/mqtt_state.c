/*
 * The retained state topics:
 *
 *	state/door/<door>	the door as cmd_door_json() shows it: phase,
 *				open, released, hold, fault, locked out;
 *				nothing about who passed
 *	state/mode		{"mode": "normal", "fire": false, ...}
 *	state/alarms		{"alarms": [{"class", "point", "since"}]}
 *	state/occupancy		anonymous counts, once the register exists
 *
 * The state is recomputed from the doors and the HAL, not tracked event
 * by event: whenever the journal grows or a door moves (state_dirty), and
 * every MQTT_STATE_MS for what changes with time alone (a reader's
 * lockout running out).  A topic is published only when its payload
 * differs from the last one the broker was sent, so a flood of events
 * that leaves a door as it was publishes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
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
 * Publish payload (stolen) retained on sub when it differs from what was
 * last sent there.  A failed publish leaves the old payload in the table,
 * so the next sync tries again.
 */
static void
mqtt_state_put(struct mqtt *m, const char *sub, json_t *payload)
{
	struct mqtt_topic *t;
	char *text;

	text = payload != NULL ? json_dumps(payload, JSON_COMPACT) : NULL;
	json_decref(payload);
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
		    husvagt_door(m->h, t + 11) != NULL) {
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

/* Add an alarm to cur unless it is there already. */
static void
mqtt_alarm_add(struct mqtt_alarm *cur, int *n, const char *cls,
    const char *point)
{
	int i;

	for (i = 0; i < *n; i++)
		if (!strcmp(cur[i].cls, cls) && !strcmp(cur[i].point, point))
			return;
	if (*n == MQTT_ALARMS_MAX)
		return;
	snprintf(cur[*n].cls, sizeof(cur[*n].cls), "%s", cls);
	snprintf(cur[*n].point, sizeof(cur[*n].point), "%s", point);
	cur[*n].since[0] = '\0';
	(*n)++;
}

/* The alarm class an input or supervised loop stands for now, or NULL. */
static const char *
mqtt_alarm_of_point(const struct board_point *bp, int v)
{
	if (bp->kind == BOARD_SUPERVISED &&
	    (v == HAL_LOOP_CUT || v == HAL_LOOP_SHORT))
		return "alarm.tamper";
	if ((bp->kind == BOARD_SUPERVISED && v != HAL_LOOP_ACTIVE) ||
	    (bp->kind == BOARD_INPUT && v != 1))
		return NULL;
	if (!strcmp(bp->role, "fire"))
		return "alarm.fire";
	if (!strncmp(bp->role, "panic.", 6))
		return "alarm.panic";
	if (!strncmp(bp->role, "tamper.", 7))
		return "alarm.tamper";
	return NULL;
}

/* The alarms open now: doors forced or held, backends not answering,
 * tamper, fire and panic inputs active. */
static int
mqtt_alarms_now(struct mqtt *m, struct mqtt_alarm *cur)
{
	const struct board *b = &m->h->board;
	const char *cls;
	int i, v, n = 0;

	for (i = 0; i < m->h->ndoors; i++) {
		const struct door_rt *d = &m->h->doors[i];

		if (d->st.phase == DOOR_FORCED)
			mqtt_alarm_add(cur, &n, "door.forced", d->name);
		else if (d->st.phase == DOOR_HELD)
			mqtt_alarm_add(cur, &n, "door.held", d->name);
	}
	for (i = 0; i < b->npoints; i++) {
		if (hal_point_faulty(m->h->hal, i))
			mqtt_alarm_add(cur, &n, "alarm.fault",
			    b->backends[b->points[i].backend].name);
		if (b->points[i].kind != BOARD_INPUT &&
		    b->points[i].kind != BOARD_SUPERVISED)
			continue;
		if (hal_input_get(m->h->hal, i, &v) == 0 &&
		    (cls = mqtt_alarm_of_point(&b->points[i], v)) != NULL)
			mqtt_alarm_add(cur, &n, cls, b->points[i].role);
	}
	return n;
}

/* Keep the "since" of alarms already open; stamp new ones now. */
static void
mqtt_alarms_merge(struct mqtt *m, struct mqtt_alarm *cur, int n)
{
	char now[32];
	int i, j;

	clock_iso8601(now, sizeof(now));
	for (i = 0; i < n; i++) {
		for (j = 0; j < m->nalarms; j++)
			if (!strcmp(cur[i].cls, m->alarms[j].cls) &&
			    !strcmp(cur[i].point, m->alarms[j].point))
				break;
		snprintf(cur[i].since, sizeof(cur[i].since), "%s",
		    j < m->nalarms ? m->alarms[j].since : now);
	}
	memcpy(m->alarms, cur, (size_t)n * sizeof(*cur));
	m->nalarms = n;
}

static void
mqtt_state_alarms(struct mqtt *m)
{
	struct mqtt_alarm cur[MQTT_ALARMS_MAX];
	json_t *a = json_array();
	int i, n;

	n = mqtt_alarms_now(m, cur);
	mqtt_alarms_merge(m, cur, n);
	for (i = 0; i < m->nalarms; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}",
		    "class", m->alarms[i].cls, "point", m->alarms[i].point,
		    "since", m->alarms[i].since));
	mqtt_state_put(m, "state/alarms", json_pack("{s:o}", "alarms", a));
}

/*
 * Occupancy comes from the anonymous register, which does not exist yet:
 * the topic says so rather than publish counts nobody knows.
 */
static json_t *
mqtt_state_occupancy(void)
{
	return json_pack("{s:b, s:n, s:n, s:n, s:n, s:n, s:n}",
	    "available", 0, "rooms", "occupied", "free_single", "free_double",
	    "adults", "children");
}

void
mqtt_state_sync(struct mqtt *m, uint64_t now, bool force)
{
	if (!force && !m->state_dirty && now < m->state_at + MQTT_STATE_MS)
		return;
	m->state_dirty = false;
	m->state_at = now;
	mqtt_state_doors(m, now);
	mqtt_state_put(m, "state/mode", husvagt_mode_json(m->h));
	mqtt_state_alarms(m);
	mqtt_state_put(m, "state/occupancy", mqtt_state_occupancy());
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
	m->nalarms = 0;
}
