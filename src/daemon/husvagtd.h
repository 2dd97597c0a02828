/*
 * The daemon: start, reload and stop the house, the poll loop, and the
 * MQTT bridge.  The control socket has its own header (control.h).
 */
#ifndef HUSVAGT_HUSVAGTD_H
#define HUSVAGT_HUSVAGTD_H

#include <poll.h>

#include "house.h"

/* daemon.c */
int	 daemon_start(struct husvagt *);
void	 daemon_stop(struct husvagt *);
int	 daemon_reload(struct husvagt *);

/* mqtt.c */
/*
 * The MQTT bridge (DESIGN 9): when [mqtt] enabled = yes, connect to the
 * broker from the loop and publish the journal, the retained state and
 * the replies to commands.  mqtt_open() leaves h->mqtt NULL when the
 * bridge is disabled; every other call takes NULL and does nothing.
 * mqtt_open() never waits for the broker; it returns -1 only when out of
 * memory.  mqtt_close() (clean stop) waits at most a second to hand over
 * what the journal holds, saves the acknowledged seq and leaves with the
 * will ("offline").
 */
int	 mqtt_open(struct husvagt *);
void	 mqtt_close(struct husvagt *);
int	 mqtt_pollfds(struct mqtt *, struct pollfd *, int max);
void	 mqtt_dispatch(struct mqtt *, const struct pollfd *, int n);
void	 mqtt_tick(struct mqtt *, uint64_t now);
uint64_t mqtt_deadline(struct mqtt *);
/* Before a reload takes nc: the bridge keeps its connection settings and
 * topic root (and says so when they changed); doors may come and go. */
void	 mqtt_reload(struct mqtt *, const struct site_config *nc);

/* mqtt_cmd.c: send a deferred reply (stolen) to login's request id. */
void	 mqtt_deliver(struct mqtt *, const char *login, const char *id,
	     json_t *reply);

/* work.c: long work off the loop (see there). */
enum work_via { WORK_NOBODY, WORK_CONTROL, WORK_MQTT };
struct work_waiter {
	enum work_via	 via;
	uint64_t	 conn;			/* WORK_CONTROL: the client */
	char		 login[ROLE_LOGIN_MAX + 1];	/* WORK_MQTT */
	char		 id[65];		/* WORK_MQTT: the request id */
};
/* Start the worker and set h->work; -1 (logged) leaves the work inline. */
int	 work_open(struct husvagt *);
void	 work_close(struct husvagt *);
/* Register who gets the result of job id (after a deferred reply). */
void	 work_wait(struct work *, int64_t id, const struct work_waiter *);
int	 work_pollfds(struct work *, struct pollfd *, int max);
/* Close fd on the worker: the last close of a finished export's unlinked
 * file frees its blocks, tens of milliseconds of the closing thread's
 * time for a big journal, which the loop must not spend.  Without a
 * worker (w NULL) it is closed at once. */
void	 work_discard(struct work *, int fd);
void	 work_dispatch(struct work *, const struct pollfd *, int n);

/* loop.c */
int	 loop_run(struct husvagt *);
void	 loop_timers_run(struct husvagt *, uint64_t now);
void	 loop_block_signals(void);

#endif
