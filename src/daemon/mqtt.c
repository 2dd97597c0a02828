/*
 * The MQTT bridge's connection to the local Mosquitto broker.
 *
 * libmosquitto is driven from the daemon's one poll loop: its socket is
 * one of the loop's descriptors, and mosquitto_loop_read / _write / _misc
 * run only when poll says so or a timer is due; there is no libmosquitto
 * thread.  Connecting is non-blocking (mosquitto_connect_bind_async), and
 * a lost or refused connection is retried after 1, 2, 4 ... 30 s.
 *
 * Every connection starts from a fresh client (mosquitto_reinitialise):
 * libmosquitto would otherwise resend its own queue of unacknowledged
 * messages on reconnect, ahead of the outbox resending the same events,
 * and a consumer would see seqs go backwards twice.  The journal is the
 * only queue of events (mqtt_outbox.c).
 *
 * Nothing an access decision does waits for any of this: the journal
 * hook only raises a flag, and publishing happens in mqtt_tick() after
 * the decisions of the loop's turn are made.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mqtt_protocol.h>

#include "clock.h"
#include "husvagtd.h"
#include "journal.h"
#include "log.h"
#include "mqtt_int.h"

#define MQTT_CONNECT_MS		10000	/* CONNECT to CONNACK at most */
#define MQTT_CLOSE_DRAIN_MS	1000	/* a clean stop waits this long */

static void mqtt_on_connect(struct mosquitto *, void *, int, int,
    const mosquitto_property *);
static void mqtt_on_disconnect(struct mosquitto *, void *, int,
    const mosquitto_property *);
static void mqtt_on_publish(struct mosquitto *, void *, int, int,
    const mosquitto_property *);
static void mqtt_on_message(struct mosquitto *, void *,
    const struct mosquitto_message *, const mosquitto_property *);
static void mqtt_on_subscribe(struct mosquitto *, void *, int, int,
    const int *, const mosquitto_property *);

int
mqtt_topic(const struct mqtt *m, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(m->root);
	int k;

	if (n >= len)
		return -1;
	memcpy(buf, m->root, n);
	va_start(ap, fmt);
	k = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return k < 0 || (size_t)k >= len - n ? -1 : 0;
}

/* Publish payload on root/sub at qos with props (may be NULL); its mid
 * or -1 (logged). */
static int
mqtt_send(struct mqtt *m, const char *sub, const char *payload, size_t len,
    int qos, bool retain, const mosquitto_property *props)
{
	char topic[MQTT_TOPIC_MAX];
	int mid = 0, rc;

	if (mqtt_topic(m, topic, sizeof(topic), "%s", sub) != 0) {
		log_warnx("mqtt: topic %s%s is too long", m->root, sub);
		return -1;
	}
	rc = mosquitto_publish_v5(m->mosq, &mid, topic, (int)len, payload, qos,
	    retain, props);
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warnx("mqtt: publish %s: %s", topic, mosquitto_strerror(rc));
		return -1;
	}
	return mid;
}

int
mqtt_publish(struct mqtt *m, const char *sub, const char *payload,
    size_t len, bool retain)
{
	return mqtt_send(m, sub, payload, len, 1, retain, NULL);
}

/*
 * A reply may name residents and guests, so the broker must never keep
 * it: at QoS 0 it is not queued for a session that is offline (Mosquitto's
 * queue_qos0_messages is off, and the appliance's configuration says so),
 * and the message expiry drops it even where a broker would queue it.
 */
int
mqtt_publish_reply(struct mqtt *m, const char *sub, const char *payload,
    size_t len)
{
	mosquitto_property *props = NULL;
	int mid;

	if (mosquitto_property_add_int32(&props,
	    MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, MQTT_REPLY_EXPIRY_S) !=
	    MOSQ_ERR_SUCCESS) {
		log_warnx("mqtt: reply: out of memory");
		return -1;
	}
	mid = mqtt_send(m, sub, payload, len, 0, false, props);
	mosquitto_property_free_all(&props);
	return mid;
}

/*
 * The password: the first line of the password file, read at every
 * attempt so that a fixed file heals the bridge without a restart.
 */
static int
mqtt_password(const struct mqtt *m, char *buf, size_t len)
{
	FILE *f;

	buf[0] = '\0';
	if (m->cfg.password_file[0] == '\0')
		return 0;
	if ((f = fopen(m->cfg.password_file, "re")) == NULL) {
		log_warn("mqtt: password file %s", m->cfg.password_file);
		return -1;
	}
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* Options, will, callbacks and credentials of a fresh client. */
static int
mqtt_configure(struct mqtt *m)
{
	struct mosquitto *q = m->mosq;
	char topic[MQTT_TOPIC_MAX], pw[256];
	int rc;

	mosquitto_int_option(q, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_int_option(q, MOSQ_OPT_SEND_MAXIMUM, MQTT_WINDOW);
	mosquitto_int_option(q, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_v5_callback_set(q, mqtt_on_connect);
	mosquitto_disconnect_v5_callback_set(q, mqtt_on_disconnect);
	mosquitto_publish_v5_callback_set(q, mqtt_on_publish);
	mosquitto_message_v5_callback_set(q, mqtt_on_message);
	mosquitto_subscribe_v5_callback_set(q, mqtt_on_subscribe);
	mqtt_topic(m, topic, sizeof(topic), "status");
	rc = mosquitto_will_set_v5(q, topic, 7, "offline", 1, true, NULL);
	if (rc == MOSQ_ERR_SUCCESS && m->cfg.ca_file[0] != '\0')
		rc = mosquitto_tls_set(q, m->cfg.ca_file, NULL, NULL, NULL,
		    NULL);
	if (rc == MOSQ_ERR_SUCCESS && mqtt_password(m, pw, sizeof(pw)) == 0)
		rc = mosquitto_username_pw_set(q, m->cfg.username,
		    pw[0] != '\0' ? pw : NULL);
	explicit_bzero(pw, sizeof(pw));
	if (rc != MOSQ_ERR_SUCCESS)
		log_warnx("mqtt: client setup: %s", mosquitto_strerror(rc));
	return rc == MOSQ_ERR_SUCCESS ? 0 : -1;
}

/* Mark the connection down and set the next attempt. */
static void
mqtt_down(struct mqtt *m, uint64_t now)
{
	if (m->conn == MQTT_DOWN)
		return;
	m->conn = MQTT_DOWN;
	mqtt_outbox_reset(m);
	mqtt_cmd_clear(m);
	m->retry_at = now + m->backoff_ms;
	log_info("mqtt: next attempt in %u s", m->backoff_ms / 1000);
	m->backoff_ms = m->backoff_ms * 2 > MQTT_BACKOFF_MAX_MS ?
	    MQTT_BACKOFF_MAX_MS : m->backoff_ms * 2;
}

void
mqtt_drop(struct mqtt *m, const char *why)
{
	log_warnx("mqtt: dropping the connection: %s", why);
	mosquitto_disconnect(m->mosq);
	mqtt_down(m, clock_mono_ms());
}

/* Start one non-blocking connection attempt from a fresh client. */
static void
mqtt_connect(struct mqtt *m, uint64_t now)
{
	int rc;

	rc = mosquitto_reinitialise(m->mosq, m->client_id, true, m);
	if (rc == MOSQ_ERR_SUCCESS && mqtt_configure(m) != 0)
		rc = MOSQ_ERR_INVAL;
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_connect_bind_async(m->mosq, m->cfg.host,
		    m->cfg.port, m->cfg.keepalive_s, NULL);
	m->conn = MQTT_CONNECTING;
	if (rc != MOSQ_ERR_SUCCESS) {
		log_warnx("mqtt: connect to %s:%d: %s", m->cfg.host,
		    m->cfg.port, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
		    mosquitto_strerror(rc));
		mqtt_down(m, now);
		return;
	}
	m->connect_until = now + MQTT_CONNECT_MS;
}

/*
 * Callbacks run inside mosquitto_loop_read/_write: they only note what
 * happened.  The work a connection starts is done by mqtt_tick().
 */
static void
mqtt_on_connect(struct mosquitto *q, void *arg, int rc, int flags,
    const mosquitto_property *props)
{
	struct mqtt *m = arg;

	(void)q;
	(void)flags;
	(void)props;
	if (rc != 0) {
		log_warnx("mqtt: %s:%d refused the connection: %s",
		    m->cfg.host, m->cfg.port, mosquitto_reason_string(rc));
		return;		/* libmosquitto closes; on_disconnect follows */
	}
	log_info("mqtt: connected to %s:%d as %s", m->cfg.host, m->cfg.port,
	    m->cfg.username);
	m->conn = MQTT_UP;
	m->fresh = true;
}

static void
mqtt_on_disconnect(struct mosquitto *q, void *arg, int rc,
    const mosquitto_property *props)
{
	struct mqtt *m = arg;

	(void)q;
	(void)props;
	if (m->conn != MQTT_DOWN)
		log_warnx("mqtt: disconnected from %s:%d: %s", m->cfg.host,
		    m->cfg.port, rc == MOSQ_ERR_CONN_LOST ?
		    "connection lost" : mosquitto_reason_string(rc));
	mqtt_down(m, clock_mono_ms());
}

static void
mqtt_on_publish(struct mosquitto *q, void *arg, int mid, int reason,
    const mosquitto_property *props)
{
	struct mqtt *m = arg;

	(void)q;
	(void)props;
	if (!mqtt_outbox_acked(m, mid, reason) && reason >= 0x80)
		log_warnx("mqtt: the broker refused a state or reply message: "
		    "%s", mosquitto_reason_string(reason));
}

static void
mqtt_on_message(struct mosquitto *q, void *arg,
    const struct mosquitto_message *msg, const mosquitto_property *props)
{
	(void)q;
	(void)props;
	mqtt_cmd_message(arg, msg);
}

static void
mqtt_on_subscribe(struct mosquitto *q, void *arg, int mid, int n,
    const int *granted, const mosquitto_property *props)
{
	int i;

	(void)q;
	(void)arg;
	(void)mid;
	(void)props;
	for (i = 0; i < n; i++)
		if (granted[i] >= 0x80)
			log_warnx("mqtt: the broker refused the command "
			    "subscription: %s",
			    mosquitto_reason_string(granted[i]));
}

/* A connection was accepted: say so, publish the state, listen. */
static void
mqtt_start_session(struct mqtt *m, uint64_t now)
{
	char topic[MQTT_TOPIC_MAX];
	int rc;

	m->fresh = false;
	if (!m->refused)
		m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	mqtt_publish(m, "status", "online", 6, true);
	mqtt_state_forget(m);
	mqtt_state_sync(m, now, true);
	mqtt_topic(m, topic, sizeof(topic), "cmd/+/+");
	/*
	 * Retain-as-published: without it the broker clears the retain flag
	 * on live delivery, and a retained command would be obeyed now and
	 * again at every reconnection.  With it, mqtt_cmd_message() sees the
	 * flag both live and when the broker's store hands it over.
	 */
	rc = mosquitto_subscribe_v5(m->mosq, NULL, topic, 1,
	    MQTT_SUB_OPT_RETAIN_AS_PUBLISHED, NULL);
	if (rc != MOSQ_ERR_SUCCESS)
		log_warnx("mqtt: subscribe %s: %s", topic,
		    mosquitto_strerror(rc));
	mqtt_outbox_session(m);
}

/* The house's hook: something published as state may have changed. */
static void
mqtt_state_changed(void *arg)
{
	struct mqtt *m = arg;

	m->state_dirty = true;
}

/* The house's hook: the bridge's link and the last seq the broker
 * acknowledged, for status. */
static void
mqtt_status(void *arg, json_t *status)
{
	static const char *names[] = { "down", "connecting", "up" };
	struct mqtt *m = arg;

	json_object_set_new(status, "mqtt", json_string(names[m->conn]));
	json_object_set_new(status, "mqtt_acked_seq", json_integer(m->acked));
	json_object_set_new(status, "mqtt_commands", json_pack("{s:i, s:I, "
	    "s:i, s:I}", "queued", m->qcount, "busy", (json_int_t)m->busy,
	    "slice_max", m->slice_max, "replies_dropped",
	    (json_int_t)m->replies_dropped));
}

int
mqtt_open(struct husvagt *h)
{
	struct mqtt *m;

	h->mqtt = NULL;
	if (!h->cfg.mqtt.enabled)
		return 0;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warn("mqtt");
		return -1;
	}
	m->h = h;
	m->cfg = h->cfg.mqtt;
	snprintf(m->root, sizeof(m->root), "husvagt/%s/", h->cfg.name);
	snprintf(m->client_id, sizeof(m->client_id), "husvagtd-%s",
	    h->cfg.name);
	mosquitto_lib_init();
	if ((m->mosq = mosquitto_new(m->client_id, true, m)) == NULL) {
		log_warn("mqtt: mosquitto_new");
		mosquitto_lib_cleanup();
		free(m);
		return -1;
	}
	if (m->cfg.home_assistant)
		log_warnx("mqtt: home_assistant = yes: discovery topics are not "
		    "built yet; none are published");
	m->conn = MQTT_DOWN;
	m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	m->retry_at = clock_mono_ms();
	m->state_dirty = true;
	mqtt_outbox_load(m);
	journal_set_hook(h->journal, mqtt_outbox_hook, m);
	h->hooks = (struct house_hooks){ mqtt_state_changed, mqtt_status, m };
	h->mqtt = m;
	return 0;
}

int
mqtt_pollfds(struct mqtt *m, struct pollfd *pfd, int max)
{
	int fd;

	if (m == NULL || max < 1 || m->conn == MQTT_DOWN ||
	    (fd = mosquitto_socket(m->mosq)) < 0)
		return 0;
	pfd->fd = fd;
	/* Read only while the command queue has room: the broker holds the
	 * rest (its max_queued_messages, husvagt-mqtt-setup). */
	pfd->events = mqtt_cmd_room(m) ? POLLIN : 0;
	if (mosquitto_want_write(m->mosq))
		pfd->events |= POLLOUT;
	pfd->revents = 0;
	return 1;
}

void
mqtt_dispatch(struct mqtt *m, const struct pollfd *pfd, int n)
{
	if (m == NULL || n < 1 || pfd->fd != mosquitto_socket(m->mosq))
		return;
	/* loop_read reads on while TLS holds data poll() cannot see. */
	if (pfd->revents & (POLLIN | POLLERR | POLLHUP))
		mosquitto_loop_read(m->mosq, 1);
	if ((pfd->revents & POLLOUT) && m->conn != MQTT_DOWN &&
	    mosquitto_socket(m->mosq) >= 0)
		mosquitto_loop_write(m->mosq, 1);
	if (!mosquitto_want_write(m->mosq))
		mqtt_cmd_written(m);
}

void
mqtt_tick(struct mqtt *m, uint64_t now)
{
	if (m == NULL)
		return;
	if (m->conn == MQTT_DOWN && now >= m->retry_at)
		mqtt_connect(m, now);
	else if (m->conn == MQTT_CONNECTING && now >= m->connect_until)
		mqtt_drop(m, "no answer to CONNECT");
	if (m->conn != MQTT_DOWN)
		mosquitto_loop_misc(m->mosq);
	if (m->conn == MQTT_UP && m->fresh)
		mqtt_start_session(m, now);
	if (m->conn == MQTT_UP) {
		mqtt_cmd_slice(m);
		mqtt_state_sync(m, now, false);
		mqtt_outbox_pump(m);
	}
	if (!mosquitto_want_write(m->mosq))
		mqtt_cmd_written(m);
	mqtt_outbox_save(m, now, false);
}

uint64_t
mqtt_deadline(struct mqtt *m)
{
	uint64_t t, o;

	if (m == NULL)
		return 0;
	if (m->conn == MQTT_DOWN)
		t = m->retry_at;
	else if (m->conn == MQTT_CONNECTING)
		t = m->connect_until;
	else if (m->fresh || m->state_dirty || mqtt_cmd_pending(m))
		t = clock_mono_ms();
	else
		t = m->state_at + MQTT_STATE_MS;
	/* The vacancy figure is counted when its interval starts. */
	if (m->conn == MQTT_UP && register_vacancy_due() != 0 &&
	    register_vacancy_due() < t)
		t = register_vacancy_due();
	o = mqtt_outbox_deadline(m);
	return o != 0 && o < t ? o : t;
}

/* Whether two [mqtt] sections connect the same way. */
static bool
mqtt_cfg_same(const struct site_mqtt *a, const struct site_mqtt *b)
{
	return a->enabled == b->enabled && !strcmp(a->host, b->host) &&
	    a->port == b->port && !strcmp(a->username, b->username) &&
	    !strcmp(a->password_file, b->password_file) &&
	    !strcmp(a->ca_file, b->ca_file) &&
	    a->keepalive_s == b->keepalive_s &&
	    a->home_assistant == b->home_assistant;
}

void
mqtt_reload(struct mqtt *m, const struct site_config *nc)
{
	char root[MQTT_ROOT_MAX];

	if (m == NULL) {
		if (nc->mqtt.enabled)
			log_warnx("reload: [mqtt] is enabled now; restart to "
			    "start the MQTT bridge");
		return;
	}
	m->state_dirty = true;
	snprintf(root, sizeof(root), "husvagt/%s/", nc->name);
	if (!mqtt_cfg_same(&m->cfg, &nc->mqtt) || strcmp(root, m->root))
		log_warnx("reload: [mqtt] or the site name changed; the MQTT "
		    "bridge keeps its settings until a restart");
}

/*
 * A clean stop: give the outbox up to MQTT_CLOSE_DRAIN_MS to hand over
 * what the journal holds (system.stopped included) and collect the acks,
 * then leave with the will, so that status reads "offline" at once.
 */
static void
mqtt_drain(struct mqtt *m)
{
	uint64_t end = clock_mono_ms() + MQTT_CLOSE_DRAIN_MS, now;
	struct pollfd pfd;

	while (m->conn == MQTT_UP && (now = clock_mono_ms()) < end) {
		if (m->fresh)
			mqtt_start_session(m, now);
		mqtt_outbox_pump(m);
		if (mqtt_outbox_drained(m))
			break;
		if (mqtt_pollfds(m, &pfd, 1) != 1)
			break;
		if (poll(&pfd, 1, (int)(end - now)) < 0 && errno != EINTR)
			break;
		mqtt_dispatch(m, &pfd, 1);
	}
}

void
mqtt_close(struct husvagt *h)
{
	struct mqtt *m = h->mqtt;

	if (m == NULL)
		return;
	journal_set_hook(h->journal, NULL, NULL);
	memset(&h->hooks, 0, sizeof(h->hooks));
	mqtt_drain(m);
	mqtt_outbox_save(m, clock_mono_ms(), true);
	if (m->conn == MQTT_UP) {
		m->conn = MQTT_DOWN;	/* a disconnect we asked for */
		mosquitto_disconnect_v5(m->mosq,
		    MQTT_RC_DISCONNECT_WITH_WILL_MSG, NULL);
		mosquitto_loop_write(m->mosq, 1);
	}
	mqtt_cmd_clear(m);
	mosquitto_destroy(m->mosq);
	mosquitto_lib_cleanup();
	mqtt_state_free(m);
	free(m);
	h->mqtt = NULL;
}
