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

	json_object_set_new(reply, "id", id != NULL ? json_string(id) :
	    json_null());
	text = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	if (text == NULL)
		return;
	if ((size_t)snprintf(sub, sizeof(sub), "reply/%s/%s", login,
	    id != NULL ? id : "invalid") >= sizeof(sub))
		log_warnx("mqtt: reply topic for login %.32s too long", login);
	else
		mqtt_publish_reply(m, sub, text, strlen(text));
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

void
mqtt_cmd_message(struct mqtt *m, const struct mosquitto_message *msg)
{
	char login[MQTT_TOPIC_MAX];
	const char *verb, *id;
	json_t *req, *err = NULL, *reply;

	if (mqtt_cmd_topic(m, msg->topic, login, sizeof(login), &verb) != 0)
		return;
	if (msg->retain) {
		/* A retained command would run again at every reconnect. */
		mqtt_cmd_reply(m, login, NULL, cmd_error("bad_request",
		    "a command must not be retained; clear it with an empty "
		    "retained message"));
		return;
	}
	req = mqtt_cmd_parse(msg, &id, &err);
	if (err != NULL) {
		mqtt_cmd_reply(m, login, id, err);
		json_decref(req);
		return;
	}
	reply = mqtt_cmd_run(m, login, verb, req);
	mqtt_cmd_reply(m, login, id, reply);
	json_decref(req);
}
