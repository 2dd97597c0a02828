/*
 * Long work off the loop.  A journal verification walks every row and
 * its MAC, an export writes every row: on a big journal that is seconds,
 * which the poll loop must never spend (the doors wait on it), and an
 * export built in memory is hundreds of MB.  Both run in one worker
 * thread, at SCHED_IDLE (work_priority), with its own read-only
 * connection to the database
 * (WAL: a reader never blocks the loop's writes, and journal_verify
 * reads rows and head in one snapshot).  The thread touches nothing else
 * of the daemon: it takes a job from the queue and leaves the result in
 * it, and a byte on a pipe the loop polls says a job is done; the loop
 * then sends the replies.  An export is written to an unlinked file in
 * the state folder and streamed from there to the control client a chunk
 * at a time (control_deliver_stream), so memory stays bounded whatever
 * the journal's size; over MQTT only an export that fits one reply is
 * sent (WORK_MQTT_EXPORT_MAX), a larger one is refused with too_large.
 *
 * Several requests queue, they do not multiply: one thread runs one job
 * at a time; a verification asked for while another waits to start joins
 * it (WORK_WAITERS callers share one walk); an export is a job of its
 * own; at most WORK_JOBS jobs exist, and beyond that the request is
 * refused with "busy".  The caller's
 * reply is deferred (CMD_DEFERRED): the control client waits with its
 * request in flight, an MQTT reply comes on the request's reply topic.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd_verbs.h"
#include "control.h"
#include "db.h"
#include "husvagtd.h"
#include "journal.h"
#include "log.h"
#include "report_query.h"

#define WORK_JOBS	4	/* jobs queued or running, at most */
#define WORK_WAITERS	16	/* callers sharing one job */
#define WORK_NICE	19	/* without SCHED_IDLE: the thread's nice */
#define WORK_MQTT_EXPORT_MAX	(192 * 1024)	/* an export in one reply */
#define WORK_DISCARDS	64	/* export files waiting to be closed */

enum work_state { WORK_FREE, WORK_QUEUED, WORK_RUNNING, WORK_DONE };
enum work_kind { WORK_VERIFY, WORK_EXPORT, WORK_REPORT };

struct work_job {
	enum work_state		 state;
	enum work_kind		 kind;
	int64_t			 id;
	int			 rc;
	struct journal_verify	 v;
	/* WORK_EXPORT: the arguments, who asked, and the result: rows
	 * written (-1: failed) to an unlinked file in the state folder. */
	char			 format[8];
	char			 from[32], to[32];
	bool			 has_from, has_to;
	char			 login[ROLE_LOGIN_MAX + 1];
	int64_t			 upto;		/* the last seq when asked */
	int64_t			 rows;
	int			 fd;
	struct work_waiter	 w[WORK_WAITERS];
	json_t			*reply;		/* WORK_REPORT's, made there */
	int			 nw;
};

struct work {
	struct husvagt		*h;
	pthread_t		 thread;
	bool			 started;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	bool			 stop;
	int			 pipe[2];
	char			 dbpath[CONFIG_PATH_MAX + 32];
	char			 dir[CONFIG_PATH_MAX];
	uint8_t			 key[KEYS_LEN];
	char			 anchor[CONFIG_PATH_MAX + 32];
	char			 site[CONFIG_NAME_MAX];
	char			 timezone[CONFIG_NAME_MAX];
	sqlite3			*db;		/* the thread's */
	struct work_job		 jobs[WORK_JOBS];
	int64_t			 next_id;
	int			 discard[WORK_DISCARDS];	/* to close */
	int			 ndiscard;
};

/* The oldest queued job, or NULL (under mu). */
static struct work_job *
work_next(struct work *w)
{
	struct work_job *j = NULL;
	int i;

	for (i = 0; i < WORK_JOBS; i++)
		if (w->jobs[i].state == WORK_QUEUED &&
		    (j == NULL || w->jobs[i].id < j->id))
			j = &w->jobs[i];
	return j;
}

/* Write an export to an unlinked file in the state folder (the disk
 * holds it, not memory).  Runs on the worker. */
static void
work_export(struct work *w, struct work_job *j)
{
	FILE *f;
	int fd;

	j->rows = -1;
	j->fd = -1;
	if ((fd = open(w->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) == -1) {
		log_warn("work: export file in %s", w->dir);
		return;
	}
	if ((f = fdopen(dup(fd), "w")) == NULL) {
		close(fd);
		return;
	}
	j->rows = journal_export_upto(w->db, j->format, j->has_from ?
	    j->from : NULL, j->has_to ? j->to : NULL, j->upto, f);
	if (fclose(f) != 0)
		j->rows = -1;
	if (j->rows < 0)
		close(fd);
	else
		j->fd = fd;
}

/*
 * The safety report, on the worker's connection: the queries of
 * store/report_query.c over the period, the reply made here for the loop
 * to send.  The dates were checked by the verb.
 */
static void
work_report(struct work *w, struct work_job *j)
{
	struct report_date df, dt;
	struct report_query r;
	json_t *rep;

	if (report_date_parse(j->from, &df) != NULL ||
	    report_date_parse(j->to, &dt) != NULL ||
	    report_query_period(&r, w->db, &df, &dt) == -1)
		j->reply = cmd_error("failed", "cannot place %s to %s in the "
		    "site's time zone %s", j->from, j->to, w->timezone);
	else if ((rep = report_query_build(&r, w->site, w->timezone, j->from,
	    j->to)) == NULL)
		j->reply = cmd_error("failed", "the journal could not be read "
		    "for the report");
	else
		j->reply = cmd_ok(rep);
}

/* Close the files handed over by work_discard (called locked; unlocks
 * while closing). */
static void
work_close_discarded(struct work *w)
{
	int fds[WORK_DISCARDS], n, i;

	n = w->ndiscard;
	memcpy(fds, w->discard, (size_t)n * sizeof(fds[0]));
	w->ndiscard = 0;
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < n; i++)
		close(fds[i]);
	pthread_mutex_lock(&w->mu);
}

void
work_discard(struct work *w, int fd)
{
	if (fd < 0)
		return;
	if (w != NULL) {
		pthread_mutex_lock(&w->mu);
		if (w->ndiscard < WORK_DISCARDS) {
			w->discard[w->ndiscard++] = fd;
			pthread_cond_signal(&w->cv);
			fd = -1;
		}
		pthread_mutex_unlock(&w->mu);
	}
	if (fd >= 0)
		close(fd);	/* no worker, or too many waiting: here */
}

/*
 * The worker runs only on CPU time nothing else wants: SCHED_IDLE, so
 * that a walk of a big journal never delays the loop (the doors) or the
 * journal writer, however long it then takes.  Where the policy cannot
 * be set, nice WORK_NICE.
 */
static void
work_priority(void)
{
	struct sched_param sp = { .sched_priority = 0 };
	int rc;

	if ((rc = pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp))
	    == 0)
		return;
	log_warnx("work: SCHED_IDLE: %s; the worker runs at nice %d",
	    strerror(rc), WORK_NICE);
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WORK_NICE);
}

static void *
work_main(void *arg)
{
	struct work *w = arg;
	struct journal_verify v;
	struct work_job *j;
	int rc;
	char one = 1;

	work_priority();
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && w->ndiscard == 0 && work_next(w) == NULL)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		if (w->ndiscard > 0) {
			work_close_discarded(w);
			continue;
		}
		j = work_next(w);
		j->state = WORK_RUNNING;
		pthread_mutex_unlock(&w->mu);
		/* The job is the worker's while RUNNING: the loop reads
		 * only the jobs that are DONE. */
		if (j->kind == WORK_EXPORT) {
			work_export(w, j);
			rc = 0;
		} else if (j->kind == WORK_REPORT) {
			work_report(w, j);
			rc = 0;
		} else
			rc = journal_verify_anchored(w->db, w->key,
			    w->anchor, &v);
		pthread_mutex_lock(&w->mu);
		j->rc = rc;
		if (j->kind == WORK_VERIFY)
			j->v = v;
		j->state = WORK_DONE;
		/* Nothing that can block is done holding mu: at SCHED_IDLE
		 * the thread may wait long for the CPU, and the loop must
		 * never wait for it. */
		pthread_mutex_unlock(&w->mu);
		if (write(w->pipe[1], &one, 1) == -1 && errno != EAGAIN)
			log_warn("work: pipe");
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The hook cmd_journal_verify calls: join the queued verification or
 * queue one.  Runs on the loop's thread. */
static int64_t
work_verify(void *arg)
{
	struct work *w = arg;
	struct work_job *j = NULL, *free_job = NULL;
	int64_t id = -1;
	int i;

	pthread_mutex_lock(&w->mu);
	for (i = 0; i < WORK_JOBS; i++) {
		if (w->jobs[i].state == WORK_QUEUED &&
		    w->jobs[i].kind == WORK_VERIFY &&
		    w->jobs[i].nw < WORK_WAITERS)
			j = &w->jobs[i];
		else if (w->jobs[i].state == WORK_FREE && free_job == NULL)
			free_job = &w->jobs[i];
	}
	if (j == NULL && free_job != NULL) {
		j = free_job;
		memset(j, 0, sizeof(*j));
		j->kind = WORK_VERIFY;
		j->id = ++w->next_id;
		j->fd = -1;
		j->state = WORK_QUEUED;
		pthread_cond_signal(&w->cv);
	}
	if (j != NULL) {
		/* The caller adds itself with work_wait() before the loop
		 * can see the job done: only the loop reads the results. */
		j->nw++;
		j->w[j->nw - 1].via = WORK_NOBODY;
		id = j->id;
	}
	pthread_mutex_unlock(&w->mu);
	return id;
}

/*
 * A free job of kind, numbered, with its one caller's place kept, or NULL
 * when WORK_JOBS are taken.  Called locked; the caller fills it in and
 * queues it (work_queue).
 */
static struct work_job *
work_job_new(struct work *w, enum work_kind kind)
{
	struct work_job *j;
	int i;

	for (i = 0; i < WORK_JOBS; i++) {
		j = &w->jobs[i];
		if (j->state != WORK_FREE)
			continue;
		memset(j, 0, sizeof(*j));
		j->kind = kind;
		j->id = ++w->next_id;
		j->fd = -1;
		j->nw = 1;
		j->w[0].via = WORK_NOBODY;
		return j;
	}
	return NULL;
}

/* Hand a filled job to the thread (called locked); its id. */
static int64_t
work_queue(struct work *w, struct work_job *j)
{
	j->state = WORK_QUEUED;
	pthread_cond_signal(&w->cv);
	return j->id;
}

/* The hook cmd_journal_export calls: queue an export of its own (exports
 * differ in their range and are not shared).  Runs on the loop's thread. */
static int64_t
work_exporter(void *arg, const char *format, const char *from,
    const char *to, const char *login)
{
	struct work *w = arg;
	struct work_job *j;
	int64_t id = -1;

	pthread_mutex_lock(&w->mu);
	if ((j = work_job_new(w, WORK_EXPORT)) != NULL) {
		snprintf(j->format, sizeof(j->format), "%s", format);
		j->has_from = from != NULL;
		j->has_to = to != NULL;
		snprintf(j->from, sizeof(j->from), "%s", from ? from : "");
		snprintf(j->to, sizeof(j->to), "%s", to ? to : "");
		snprintf(j->login, sizeof(j->login), "%s", login);
		/* The rows there are now, not those written until the
		 * worker gets to it: as if it ran at once. */
		j->upto = journal_last_seq(w->h->journal);
		id = work_queue(w, j);
	}
	pthread_mutex_unlock(&w->mu);
	return id;
}

/* The hook cmd_report_safety calls: queue the report.  Runs on the loop's
 * thread; the dates were checked there. */
static int64_t
work_reporter(void *arg, const char *from, const char *to)
{
	struct work *w = arg;
	struct work_job *j;
	int64_t id = -1;

	pthread_mutex_lock(&w->mu);
	if ((j = work_job_new(w, WORK_REPORT)) != NULL) {
		snprintf(j->from, sizeof(j->from), "%s", from);
		snprintf(j->to, sizeof(j->to), "%s", to);
		id = work_queue(w, j);
	}
	pthread_mutex_unlock(&w->mu);
	return id;
}

void
work_wait(struct work *w, int64_t id, const struct work_waiter *who)
{
	int i, k;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	for (i = 0; i < WORK_JOBS; i++) {
		if (w->jobs[i].state == WORK_FREE || w->jobs[i].id != id)
			continue;
		/* The place work_verify() kept for this caller. */
		for (k = 0; k < w->jobs[i].nw; k++)
			if (w->jobs[i].w[k].via == WORK_NOBODY) {
				w->jobs[i].w[k] = *who;
				break;
			}
	}
	pthread_mutex_unlock(&w->mu);
}

int
work_open(struct husvagt *h)
{
	struct work *w;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	w->h = h;
	snprintf(w->dbpath, sizeof(w->dbpath), "%s/husvagt.db",
	    h->cfg.state_dir);
	snprintf(w->dir, sizeof(w->dir), "%s", h->cfg.state_dir);
	memcpy(w->key, h->keys.journal, KEYS_LEN);
	snprintf(w->anchor, sizeof(w->anchor), "%s/journal.anchor",
	    h->cfg.state_dir);
	snprintf(w->site, sizeof(w->site), "%s", h->cfg.name);
	snprintf(w->timezone, sizeof(w->timezone), "%s", h->cfg.timezone);
	if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("work: pipe");
		free(w);
		return -1;
	}
	if ((w->db = db_open_ro(w->dbpath)) == NULL)
		goto err;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if ((rc = pthread_create(&w->thread, NULL, work_main, w)) != 0) {
		log_warnx("work: thread: %s", strerror(rc));
		db_close(w->db);
		goto err;
	}
	w->started = true;
	h->worker = w;
	h->work = (struct work_hooks){ work_verify, work_exporter,
	    work_reporter, w };
	return 0;
err:
	close(w->pipe[0]);
	close(w->pipe[1]);
	free(w);
	return -1;
}

void
work_close(struct husvagt *h)
{
	struct work *w = h->worker;
	int i;

	if (w == NULL)
		return;
	memset(&h->work, 0, sizeof(h->work));
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	sqlite3_interrupt(w->db);	/* a walk under way ends now */
	pthread_join(w->thread, NULL);
	for (i = 0; i < w->ndiscard; i++)
		close(w->discard[i]);
	for (i = 0; i < WORK_JOBS; i++)
		if (w->jobs[i].state == WORK_DONE && w->jobs[i].fd >= 0)
			close(w->jobs[i].fd);
	db_close(w->db);
	close(w->pipe[0]);
	close(w->pipe[1]);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	explicit_bzero(w->key, sizeof(w->key));
	free(w);
	h->worker = NULL;
}

int
work_pollfds(struct work *w, struct pollfd *pfd, int max)
{
	if (w == NULL || max < 1)
		return 0;
	*pfd = (struct pollfd){ .fd = w->pipe[0], .events = POLLIN };
	return 1;
}

/*
 * An export is done: journal it (on the loop, which owns the journal) and
 * send it.  A control client gets it streamed from the file in bounded
 * chunks; an MQTT reply must fit in one message, so a larger export is
 * refused there with too_large.
 */
static void
work_deliver_export(struct husvagt *h, struct work_job *j)
{
	const struct work_waiter *who = &j->w[0];
	struct stat st;
	json_t *reply;
	char *buf;

	if (j->rows < 0) {
		reply = cmd_error("failed", "could not export the journal");
		goto send;
	}
	house_journal(h, "journal.exported", "", j->login, "",
	    json_pack("{s:s, s:I, s:s?, s:s?}", "format", j->format,
	    "rows", (json_int_t)j->rows, "from", j->has_from ? j->from : NULL,
	    "to", j->has_to ? j->to : NULL));
	if (who->via == WORK_CONTROL) {
		control_deliver_stream(h->control, who->conn, j->format,
		    j->rows, j->fd);
		return;
	}
	if (fstat(j->fd, &st) == -1 || st.st_size > WORK_MQTT_EXPORT_MAX) {
		reply = cmd_error("too_large", "the export is %lld bytes, more "
		    "than a reply over MQTT carries (%d); use husvagtctl "
		    "journal export, or a shorter range", (long long)
		    st.st_size, WORK_MQTT_EXPORT_MAX);
	} else if ((buf = malloc((size_t)st.st_size + 1)) == NULL ||
	    pread(j->fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		reply = cmd_error("failed", "could not read the export");
	} else {
		reply = cmd_ok(json_pack("{s:s, s:I, s:s%}", "format",
		    j->format, "rows", (json_int_t)j->rows, "data", buf,
		    (size_t)st.st_size));
		free(buf);
	}
send:
	work_discard(h->worker, j->fd);
	if (who->via == WORK_MQTT)
		mqtt_deliver(h->mqtt, who->login, who->id, reply);
	else if (who->via == WORK_CONTROL)
		control_deliver(h->control, who->conn, reply);
	else
		json_decref(reply);
}

/* Send one finished job's result to each of its callers. */
static void
work_deliver(struct husvagt *h, struct work_job *j)
{
	json_t *reply;
	int k;

	if (j->kind == WORK_EXPORT) {
		work_deliver_export(h, j);
		return;
	}
	for (k = 0; k < j->nw; k++) {
		if (j->kind == WORK_REPORT) {
			reply = j->reply;	/* one caller */
			j->reply = NULL;
		} else
			reply = cmd_journal_verify_reply(j->rc, &j->v);
		if (j->w[k].via == WORK_CONTROL)
			control_deliver(h->control, j->w[k].conn, reply);
		else if (j->w[k].via == WORK_MQTT)
			mqtt_deliver(h->mqtt, j->w[k].login, j->w[k].id, reply);
		else
			json_decref(reply);
	}
}

void
work_dispatch(struct work *w, const struct pollfd *pfd, int n)
{
	struct work_job done[WORK_JOBS];
	char buf[64];
	int i, nd = 0;

	if (w == NULL || n < 1 || !(pfd->revents & POLLIN))
		return;
	while (read(w->pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&w->mu);
	for (i = 0; i < WORK_JOBS; i++)
		if (w->jobs[i].state == WORK_DONE) {
			done[nd++] = w->jobs[i];
			w->jobs[i].state = WORK_FREE;
		}
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < nd; i++)
		work_deliver(w->h, &done[i]);
}
