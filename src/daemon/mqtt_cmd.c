/*
 * Commands over MQTT.  A staff member's client publishes
 *
 *	husvagt/<site>/cmd/<login>/<verb>   {"id": "<request id>", "args": {}}
 *
 * and reads the reply on husvagt/<site>/reply/<login>/<request id>: the
 * reply of cmd_exec() (see cmd.h) with "id" added.  The broker's ACL lets
 * a login publish only under its own cmd/<login>/, so the topic proves
 * who asks; the roles are the site configuration's for that login, and
 * cmd_exec() checks them and the arguments' schema and journals what
 * it must, exactly as for the control socket.
 *
 * What cannot be answered on its own reply topic (no usable id, a payload
 * too large to read) is answered on reply/<login>/invalid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd.h"
#include "husvagtd.h"
#include "log.h"
#include "mqtt_int.h"

#define MQTT_ID_MAX	64
#define MQTT_ID_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789_-"

/*
 * Split root + "cmd/<login>/<verb>" into login and verb.  Returns -1 for
 * a topic that is not a command's (the subscription should not let one
 * through).
 */
static int
mqtt_cmd_topic(const struct mqtt *m, const char *topic, char *login,
    size_t len, const char **verb)
{
	size_t n = strlen(m->root);
	const char *p, *slash;

	if (strncmp(topic, m->root, n) != 0 ||
	    strncmp(topic + n, "cmd/", 4) != 0)
		return -1;
	p = topic + n + 4;
	if ((slash = strchr(p, '/')) == NULL || slash == p ||
	    slash[1] == '\0' || strchr(slash + 1, '/') != NULL ||
	    (size_t)(slash - p) >= len)
		return -1;
	memcpy(login, p, (size_t)(slash - p));
	login[slash - p] = '\0';
	*verb = slash + 1;
	return 0;
}

/* Send reply (stolen) with "id" on reply/<login>/<id or "invalid">. */
static void
mqtt_cmd_reply(struct mqtt *m, const char *login, const char *id,
    json_t *reply)
{
	char sub[MQTT_TOPIC_MAX];
	char *text;

	if (m->replies_unsent >= MQTT_REPLY_BACKLOG) {
		/* The socket does not take them: a reply is QoS 0 and may
		 * be lost anyway; memory may not grow. */
		if (m->replies_dropped++ % 1000 == 0)
			log_warnx("mqtt: replies are not being written; %llu "
			    "dropped", (unsigned long long)m->replies_dropped);
		json_decref(reply);
		return;
	}
	json_object_set_new(reply, "id", id != NULL ? json_string(id) :
	    json_null());
	text = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	if (text == NULL)
		return;
	if ((size_t)snprintf(sub, sizeof(sub), "reply/%s/%s", login,
	    id != NULL ? id : "invalid") >= sizeof(sub))
		log_warnx("mqtt: reply topic for login %.32s too long", login);
	else if (mqtt_publish_reply(m, sub, text, strlen(text)) >= 0)
		m->replies_unsent++;
	free(text);
}

/* The request id when it is 1 to 64 of [A-Za-z0-9_-]; NULL otherwise. */
static const char *
mqtt_cmd_id(const json_t *req)
{
	const json_t *id = json_object_get(req, "id");
	const char *s = json_string_value(id);
	size_t n;

	if (s == NULL)
		return NULL;
	n = json_string_length(id);
	if (n < 1 || n > MQTT_ID_MAX || strspn(s, MQTT_ID_CHARS) != n)
		return NULL;
	return s;
}

/*
 * Parse and check the envelope.  Returns the request object, or NULL
 * with an error reply in *err (and *id NULL when none could be read).
 */
static json_t *
mqtt_cmd_parse(const struct mosquitto_message *msg, const char **id,
    json_t **err)
{
	json_error_t je;
	const char *key;
	json_t *req, *v;

	*id = NULL;
	if (msg->payloadlen > MQTT_PAYLOAD_MAX) {
		*err = cmd_error("too_large", "a command is at most %d bytes; "
		    "this one has %d", MQTT_PAYLOAD_MAX, msg->payloadlen);
		return NULL;
	}
	req = json_loadb(msg->payload, (size_t)msg->payloadlen,
	    JSON_REJECT_DUPLICATES, &je);
	if (req == NULL) {
		*err = cmd_error("bad_json", "line %d column %d: %s", je.line,
		    je.column, je.text);
		return NULL;
	}
	if (!json_is_object(req) || (*id = mqtt_cmd_id(req)) == NULL) {
		*err = cmd_error("bad_request", "a command is an object with "
		    "\"id\": 1 to %d of A-Z a-z 0-9 _ -, and \"args\"",
		    MQTT_ID_MAX);
		json_decref(req);
		return NULL;
	}
	json_object_foreach(req, key, v) {
		if (strcmp(key, "id") != 0 && strcmp(key, "args") != 0) {
			*err = cmd_error("bad_request", "a command has only "
			    "\"id\" and \"args\", not '%.64s'", key);
			return req;	/* the id stays readable */
		}
	}
	return req;
}

/*
 * A login the site does not know: the broker let it in, husvagt does not.
 * Journalled as the control socket journals an unknown peer: the actor
 * is "system" and the login is in the detail.
 */
static json_t *
mqtt_cmd_unknown(struct mqtt *m, const char *login, const char *verb)
{
	log_warnx("mqtt: command %.64s from unknown login %.64s refused",
	    verb, login);
	house_journal(m->h, "command.refused", "", "system", "",
	    json_pack("{s:s%, s:s%, s:s, s:s}", "verb", verb,
	    cmd_utf8_cut(verb, 64), "login", login, cmd_utf8_cut(login, 64),
	    "error", "not_authorised", "via", "mqtt"));
	return cmd_error("not_authorised", "%.64s is not a staff login of "
	    "this site", login);
}

/* Run a checked request as login and return the reply. */
static json_t *
mqtt_cmd_run(struct mqtt *m, const char *login, const char *verb,
    json_t *req)
{
	struct cmd_actor actor = { .via = "mqtt" };
	json_t *request, *reply;
	size_t n = strlen(login);

	if (staff_roles_check(m->h, login, &actor.roles) == -1)
		return cmd_error("error", "the staff table could not be read");
	if (actor.roles == 0 || n > ROLE_LOGIN_MAX)
		return mqtt_cmd_unknown(m, login, verb);
	memcpy(actor.login, login, n + 1);
	request = json_pack("{s:s}", "verb", verb);
	if (request == NULL)
		return cmd_error("bad_request", "the verb is not valid UTF-8");
	if (json_object_get(req, "args") != NULL)
		json_object_set(request, "args", json_object_get(req, "args"));
	reply = cmd_exec(m->h, &actor, request);
	json_decref(request);
	return reply;
}

/* How many commands of login wait in the queue. */
static int
mqtt_cmd_queued(const struct mqtt *m, const char *login)
{
	int i, n = 0;

	for (i = 0; i < m->qcount; i++)
		if (!strcmp(m->cmdq[(m->qhead + i) % MQTT_CMDQ_MAX].login,
		    login))
			n++;
	return n;
}

/*
 * Take one token from login's bucket; false when it has none.  The
 * buckets of MQTT_LOGINS logins are kept; a login not among them takes
 * the bucket used longest ago (full again, or nearly, by then).  A name
 * longer than a staff login is cut to ROLE_LOGIN_MAX for this.
 */
static bool
mqtt_cmd_rate_ok(struct mqtt *m, const char *login)
{
	uint64_t now = clock_mono_ms(), add;
	struct mqtt_rate *r = NULL, *old = NULL;
	char key[ROLE_LOGIN_MAX + 1];
	size_t n;
	int i;

	n = strnlen(login, ROLE_LOGIN_MAX);
	memcpy(key, login, n);
	key[n] = '\0';
	for (i = 0; i < MQTT_LOGINS && r == NULL; i++) {
		if (m->rates[i].login[0] != '\0' &&
		    !strcmp(m->rates[i].login, key))
			r = &m->rates[i];
		else if (old == NULL || m->rates[i].at < old->at)
			old = &m->rates[i];
	}
	if (r == NULL) {
		r = old;
		memcpy(r->login, key, n + 1);
		r->tokens_ms = (uint64_t)MQTT_CMD_BURST * 1000;
		r->at = now;
	}
	add = (now - r->at) * MQTT_CMD_RATE;
	r->tokens_ms = r->tokens_ms + add > (uint64_t)MQTT_CMD_BURST * 1000 ?
	    (uint64_t)MQTT_CMD_BURST * 1000 : r->tokens_ms + add;
	r->at = now;
	if (r->tokens_ms < 1000)
		return false;
	r->tokens_ms -= 1000;
	return true;
}

/* Refuse a command with busy, on its own reply topic when its id can be
 * read. */
static void
mqtt_cmd_busy(struct mqtt *m, const char *login,
    const struct mosquitto_message *msg, const char *why)
{
	const char *id;
	json_t *req, *err = NULL;

	m->busy++;
	if (m->busy == 1 || m->busy % 1000 == 0)
		log_warnx("mqtt: command from %.64s refused busy (%s); %llu "
		    "so far", login, why, (unsigned long long)m->busy);
	req = mqtt_cmd_parse(msg, &id, &err);
	json_decref(err);
	mqtt_cmd_reply(m, login, id, cmd_error("busy", "%s; try again "
	    "shortly", why));
	json_decref(req);
}

/*
 * A message from libmosquitto's read.  What can be refused at once (not a
 * command's topic, retained, too large) is; the rest is queued for
 * mqtt_cmd_slice(), or refused with busy when the login already has
 * MQTT_CMD_PER_LOGIN waiting or the queue is full.  Nothing runs here:
 * however many messages one read hands over, this costs a copy each.
 */
void
mqtt_cmd_message(struct mqtt *m, const struct mosquitto_message *msg)
{
	char login[MQTT_TOPIC_MAX];
	const char *verb;
	struct mqtt_cmd *c;
	size_t nl, nv, len;
	json_t *err = NULL;
	const char *id;

	if (mqtt_cmd_topic(m, msg->topic, login, sizeof(login), &verb) != 0)
		return;
	if (msg->retain) {
		/* A retained command would run again at every reconnect. */
		mqtt_cmd_reply(m, login, NULL, cmd_error("bad_request",
		    "a command must not be retained; clear it with an empty "
		    "retained message"));
		return;
	}
	if (msg->payloadlen < 0)
		return;
	if (msg->payloadlen > MQTT_PAYLOAD_MAX) {
		json_decref(mqtt_cmd_parse(msg, &id, &err));
		mqtt_cmd_reply(m, login, id, err);
		return;
	}
	len = (size_t)msg->payloadlen;
	if (m->qcount == MQTT_CMDQ_MAX || m->qbytes + len > MQTT_CMDQ_BYTES) {
		mqtt_cmd_busy(m, login, msg, "too many commands are waiting");
		return;
	}
	if (!mqtt_cmd_rate_ok(m, login)) {
		char why[96];

		snprintf(why, sizeof(why), "this login sent more than %d "
		    "commands at once or %d a second", MQTT_CMD_BURST,
		    MQTT_CMD_RATE);
		mqtt_cmd_busy(m, login, msg, why);
		return;
	}
	if (mqtt_cmd_queued(m, login) >= MQTT_CMD_PER_LOGIN) {
		mqtt_cmd_busy(m, login, msg, "this login has too many commands "
		    "waiting");
		return;
	}
	nl = strlen(login);
	nv = strlen(verb);
	c = &m->cmdq[(m->qhead + m->qcount) % MQTT_CMDQ_MAX];
	if ((c->login = malloc(nl + nv + len + 3)) == NULL) {
		log_warn("mqtt: command");
		return;
	}
	memcpy(c->login, login, nl + 1);
	memcpy(c->login + nl + 1, verb, nv + 1);
	c->verb = c->login + nl + 1;
	memcpy(c->login + nl + nv + 2, msg->payload, len);
	c->login[nl + nv + 2 + len] = '\0';
	c->payload = c->login + nl + nv + 2;
	c->len = len;
	m->qcount++;
	m->qbytes += len;
}

/* Run one queued command and send its reply. */
static void
mqtt_cmd_one(struct mqtt *m, const struct mqtt_cmd *c)
{
	struct mosquitto_message msg = { .payload = (void *)c->payload,
	    .payloadlen = (int)c->len };
	const char *id;
	json_t *req, *err = NULL, *reply;

	req = mqtt_cmd_parse(&msg, &id, &err);
	if (err != NULL) {
		mqtt_cmd_reply(m, c->login, id, err);
		json_decref(req);
		return;
	}
	reply = mqtt_cmd_run(m, c->login, c->verb, req);
	if (json_object_get(reply, CMD_DEFERRED) != NULL && id != NULL) {
		struct work_waiter who = { .via = WORK_MQTT };

		snprintf(who.login, sizeof(who.login), "%s", c->login);
		snprintf(who.id, sizeof(who.id), "%s", id);
		work_wait(m->h->worker, json_integer_value(json_object_get(
		    reply, CMD_DEFERRED)), &who);
		json_decref(reply);
	} else
		mqtt_cmd_reply(m, c->login, id, reply);
	json_decref(req);
}

bool
mqtt_cmd_pending(const struct mqtt *m)
{
	return m->qcount > 0 && m->replies_unsent < MQTT_REPLY_BACKLOG;
}

bool
mqtt_cmd_room(const struct mqtt *m)
{
	return MQTT_CMDQ_MAX - m->qcount >= MQTT_READ_ROOM &&
	    m->replies_unsent < MQTT_REPLY_BACKLOG;
}

void
mqtt_cmd_written(struct mqtt *m)
{
	m->replies_unsent = 0;
}

/*
 * Run the queue's head: at most MQTT_CMD_SLICE commands and, after the
 * first, no more once MQTT_SLICE_US have passed, so that the loop turns
 * and the safety inputs are read between slices.  While
 * MQTT_REPLY_BACKLOG replies wait to be written nothing runs: the queue
 * fills, the socket is no longer read, and the broker holds the rest.
 */
void
mqtt_cmd_slice(struct mqtt *m)
{
	uint64_t start = clock_mono_us();
	struct mqtt_cmd c;
	int n;

	for (n = 0; n < MQTT_CMD_SLICE && mqtt_cmd_pending(m); n++) {
		if (n > 0 && clock_mono_us() - start >= MQTT_SLICE_US)
			break;
		c = m->cmdq[m->qhead];
		m->cmdq[m->qhead].login = NULL;
		m->qhead = (m->qhead + 1) % MQTT_CMDQ_MAX;
		m->qcount--;
		m->qbytes -= c.len;
		mqtt_cmd_one(m, &c);
		free(c.login);
	}
	if (n > m->slice_max)
		m->slice_max = n;
}

void
mqtt_cmd_clear(struct mqtt *m)
{
	if (m->qcount > 0)
		log_warnx("mqtt: %d queued command(s) dropped with the "
		    "connection", m->qcount);
	while (m->qcount > 0) {
		free(m->cmdq[m->qhead].login);
		m->cmdq[m->qhead].login = NULL;
		m->qhead = (m->qhead + 1) % MQTT_CMDQ_MAX;
		m->qcount--;
	}
	m->qbytes = 0;
	m->replies_unsent = 0;
}

void
mqtt_deliver(struct mqtt *m, const char *login, const char *id,
    json_t *reply)
{
	if (m == NULL || m->conn != MQTT_UP) {
		json_decref(reply);
		return;
	}
	mqtt_cmd_reply(m, login, id, reply);
}
