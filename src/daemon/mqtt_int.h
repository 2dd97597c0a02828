/*
 * The MQTT bridge's insides, shared by its files and no one else:
 *
 *	mqtt.c		the connection: open, connect, back off, the poll
 *			loop's descriptor, close
 *	mqtt_outbox.c	the event stream: the journal is the outbox
 *	mqtt_state.c	the retained state topics
 *	mqtt_cmd.c	commands in, replies out
 *
 * The rest of the daemon sees only the prototypes in husvagtd.h.
 */
#ifndef HUSVAGT_MQTT_INT_H
#define HUSVAGT_MQTT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <mosquitto.h>

#include "config.h"
#include "role.h"

struct husvagt;

#define MQTT_WINDOW		64	/* events in flight, unacknowledged */
#define MQTT_SAVE_MS		200	/* acked seq written at most this often */
#define MQTT_BACKOFF_MIN_MS	1000
#define MQTT_BACKOFF_MAX_MS	30000
#define MQTT_STATE_MS		1000	/* state recomputed at least this often */
#define MQTT_TOPICS_MAX		(CONFIG_DOORS_MAX + 8)
#define MQTT_PAYLOAD_MAX	65536	/* largest command accepted */
#define MQTT_ROOT_MAX		(CONFIG_NAME_MAX + 16)
#define MQTT_TOPIC_MAX		(MQTT_ROOT_MAX + 160)

/*
 * Commands are not run inside libmosquitto's read: mqtt_cmd_message()
 * only checks the envelope's size and queues them, and mqtt_tick() runs
 * a bounded slice of the queue each loop turn (mqtt_cmd.c).
 */
#define MQTT_CMDQ_MAX		64	/* commands waiting to run */
#define MQTT_CMDQ_BYTES		(512 * 1024)	/* their payloads, in all */
#define MQTT_CMD_PER_LOGIN	16	/* of them one login's; more: busy */
#define MQTT_CMD_SLICE		8	/* run per loop turn at most ... */
#define MQTT_SLICE_US		2000	/* ... and for at most this long */
#define MQTT_READ_ROOM		16	/* free queue places to read on */
#define MQTT_REPLY_BACKLOG	128	/* replies not yet written: wait */
#define MQTT_CMD_RATE		100	/* commands a second one login may send */
#define MQTT_CMD_BURST		200	/* ... and this many at once */
#define MQTT_LOGINS		32	/* logins whose rate is kept */

/* One login's token bucket: MQTT_CMD_BURST, refilled MQTT_CMD_RATE/s. */
struct mqtt_rate {
	char		 login[ROLE_LOGIN_MAX + 1];	/* "": free */
	uint64_t	 tokens_ms;	/* tokens x 1000 */
	uint64_t	 at;		/* last refill, ms */
};

/* One command waiting to run. */
struct mqtt_cmd {
	char		*login;		/* owned: login\0verb\0payload */
	const char	*verb;
	const char	*payload;
	size_t		 len;
};

enum mqtt_conn {
	MQTT_DOWN,		/* no socket; retry_at says when to try */
	MQTT_CONNECTING,	/* CONNECT sent or being sent */
	MQTT_UP,		/* CONNACK accepted */
};

/* One event handed to libmosquitto and not yet acknowledged. */
struct mqtt_flight {
	int		 mid;
	int64_t		 seq;
	bool		 acked;
};

/* The last payload sent to one retained topic. */
struct mqtt_topic {
	char		 topic[MQTT_TOPIC_MAX];
	char		*payload;	/* owned */
};

struct mqtt {
	struct husvagt		*h;
	struct mosquitto	*mosq;
	struct site_mqtt	 cfg;		/* as at start; reload keeps it */
	char			 root[MQTT_ROOT_MAX];	/* "husvagt/<site>/" */
	char			 client_id[MQTT_ROOT_MAX];
	enum mqtt_conn		 conn;
	uint64_t		 retry_at;	/* DOWN: next attempt */
	uint64_t		 connect_until;	/* CONNECTING: give up then */
	uint32_t		 backoff_ms;
	bool			 refused;	/* the broker refused an event */
	bool			 fresh;		/* UP, session not started */

	/* The outbox (mqtt_outbox.c). */
	int64_t			 acked;		/* every seq <= acked is acked */
	int64_t			 sent;		/* last seq handed over */
	int64_t			 saved;		/* acked as in the database */
	uint64_t		 saved_at;
	struct mqtt_flight	 flight[MQTT_WINDOW];
	int			 fhead, fcount;
	uint64_t		 published;	/* events handed over, ever */
	uint64_t		 stall_until;	/* the journal could not be read */
	int64_t			 backlog_to;	/* catching up to this seq; 0 no */
	int64_t			 backlog_from;
	uint64_t		 backlog_us;	/* when the catching up began */

	/* Commands waiting (mqtt_cmd.c). */
	struct mqtt_cmd		 cmdq[MQTT_CMDQ_MAX];
	int			 qhead, qcount;
	size_t			 qbytes;
	int			 replies_unsent;	/* since the socket
							   was last drained */
	struct mqtt_rate	 rates[MQTT_LOGINS];
	uint64_t		 busy;		/* commands refused busy, ever */
	int			 slice_max;	/* most run in one slice, ever */
	uint64_t		 replies_dropped;	/* over the backlog */

	/* The retained state (mqtt_state.c). */
	struct mqtt_topic	 topics[MQTT_TOPICS_MAX];
	int			 ntopics;
	bool			 state_dirty;
	uint64_t		 state_at;	/* last full recompute */
};

/* mqtt.c */
/* Publish at QoS 1; retain as asked.  Returns the mid or -1 (logged). */
int	 mqtt_publish(struct mqtt *, const char *subtopic, const char *payload,
	     size_t len, bool retain);
/* A command's reply: QoS 0, never retained, expiring after
 * MQTT_REPLY_EXPIRY_S, so that no broker keeps it for an offline
 * session.  The mid or -1 (logged). */
#define MQTT_REPLY_EXPIRY_S	10
int	 mqtt_publish_reply(struct mqtt *, const char *subtopic,
	     const char *payload, size_t len);
/* The full topic root + sub into buf; -1 when it does not fit. */
int	 mqtt_topic(const struct mqtt *, char *buf, size_t len,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Drop the connection; the backoff timer brings it back. */
void	 mqtt_drop(struct mqtt *, const char *why);

/* mqtt_outbox.c */
void	 mqtt_outbox_load(struct mqtt *);
void	 mqtt_outbox_hook(void *arg, int64_t seq);
void	 mqtt_outbox_pump(struct mqtt *);
/* A PUBACK: true when mid was an event's. */
bool	 mqtt_outbox_acked(struct mqtt *, int mid, int reason);
void	 mqtt_outbox_reset(struct mqtt *);
/* A connection begins: time the handing over of what piled up. */
void	 mqtt_outbox_session(struct mqtt *);
void	 mqtt_outbox_save(struct mqtt *, uint64_t now, bool force);
uint64_t mqtt_outbox_deadline(const struct mqtt *);
bool	 mqtt_outbox_drained(const struct mqtt *);

/* mqtt_state.c */
void	 mqtt_state_sync(struct mqtt *, uint64_t now, bool force);
/* Forget what was published: a new connection publishes it all again. */
void	 mqtt_state_forget(struct mqtt *);
void	 mqtt_state_free(struct mqtt *);

/* mqtt_cmd.c */
/* From libmosquitto's read: refuse or queue, never run. */
void	 mqtt_cmd_message(struct mqtt *, const struct mosquitto_message *);
/* Run a bounded slice of the queue (MQTT_CMD_SLICE, MQTT_SLICE_US). */
void	 mqtt_cmd_slice(struct mqtt *);
/* Whether queued commands can run now; whether the socket may be read. */
bool	 mqtt_cmd_pending(const struct mqtt *);
bool	 mqtt_cmd_room(const struct mqtt *);
/* The socket's output was drained: the reply backlog starts again. */
void	 mqtt_cmd_written(struct mqtt *);
/* Drop the queue (a connection ends; a stop). */
void	 mqtt_cmd_clear(struct mqtt *);

#endif
