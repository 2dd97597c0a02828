/*
 * Commands over MQTT (src/daemon/mqtt_cmd.c): the topic husvagt/<site>/cmd/
 * <login>/<verb> names who asks and what, the payload is the envelope
 * {"id": ..., "args": {...}}, and the reply goes to reply/<login>/<id>.
 * The input is one PUBLISH as the broker hands it over: its first byte
 * sets the retain flag (bit 0) and whether the topic is given whole
 * (bit 1) or after the site's root; the topic runs to the first NUL (an
 * MQTT topic holds none) and the payload is the rest.  It runs on a live
 * daemon (fuzz_daemon.h) with the bridge's state but no broker: the one
 * call to libmosquitto, mosquitto_publish_v5(), is stood in for here, and
 * checks that each reply goes to reply/<login>/ and is an object with
 * "ok" and "id".
 */
#include <mosquitto.h>

#include "clock.h"
#include "fuzz_daemon.h"
#include "mqtt_int.h"

#include <mqtt_protocol.h>

static struct mqtt fuzz_m;

int
mosquitto_publish_v5(struct mosquitto *mosq, int *mid, const char *topic,
    int len, const void *payload, int qos, bool retain,
    const mosquitto_property *props)
{
	char want[MQTT_TOPIC_MAX];
	uint32_t expiry = 0;
	json_t *r;

	(void)mosq;
	/* A reply is never kept by the broker: QoS 0 with an expiry. */
	snprintf(want, sizeof(want), "%sreply/", fuzz_m.root);
	if (strncmp(topic, want, strlen(want)) != 0 || qos != 0 || retain ||
	    len < 0 || mosquitto_property_read_int32(props,
	    MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, &expiry, false) == NULL ||
	    expiry == 0)
		abort();
	r = json_loadb(payload, (size_t)len, 0, NULL);
	fuzz_reply_check(r);
	if (json_object_get(r, "id") == NULL)
		abort();
	json_decref(r);
	if (mid != NULL)
		*mid = 1;
	return MOSQ_ERR_SUCCESS;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct mosquitto_message msg = { 0 };
	char topic[1024];
	const uint8_t *nul;
	size_t tlen;
	uint8_t flags;

	fuzz_m.h = fuzz_daemon();
	flags = fuzz_byte(&data, &n);
	nul = memchr(data, '\0', n);
	tlen = nul != NULL ? (size_t)(nul - data) : n;
	if (tlen > 512)
		return -1;
	snprintf(topic, sizeof(topic), "%s%.*s", flags & 2 ? "" :
	    fuzz_m.root, (int)tlen, (const char *)data);
	msg.topic = topic;
	msg.retain = flags & 1;
	msg.qos = 1;
	if (nul != NULL) {
		msg.payload = (void *)(nul + 1);
		msg.payloadlen = (int)(n - tlen - 1);
	}
	mqtt_cmd_message(&fuzz_m, &msg);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	fuzz_daemon_init(0, NULL);
	snprintf(fuzz_m.root, sizeof(fuzz_m.root), "husvagt/%s/",
	    fuzz_h.cfg.name);
	return 0;
}
