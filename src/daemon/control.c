/*
 * The control socket server.  Each client is read into its own line
 * buffer; a complete line becomes one request and exactly one reply line.
 * A client has at most one reply in flight: its input is not read while a
 * reply waits to be written, so a slow reader holds back only itself and
 * the memory it can cost is one line and one reply.  Nothing here blocks:
 * accept, read and write are all non-blocking and driven by poll.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "control.h"
#include "husvagtd.h"
#include "log.h"

#define CONTROL_BURST	8		/* requests per client per dispatch */
#define CONTROL_IDLE_MS	(60 * 1000)	/* evictable when the table is full */

struct control_client {
	int		 fd;		/* -1: slot free */
	struct control_peer peer;	/* who is at the other end */
	char		*in;		/* CONTROL_LINE_MAX + 1 bytes */
	size_t		 inlen;
	char		*out;		/* the reply being written */
	size_t		 outlen, outoff;
	bool		 eof;		/* the peer will send nothing more */
	bool		 closing;	/* close once the reply is written */
	uint64_t	 active_ms;	/* last read or write */
	uint64_t	 conn;		/* this connection's number, from 1 */
};

struct control {
	int			 fd;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct husvagt		*h;
	struct control_client	 clients[CONTROL_CLIENTS_MAX];
	uint64_t		 nconn;		/* connections accepted */
};

static void control_client_close(struct control_client *);

/*
 * Refuse to take over a path that is not a socket, or a socket a live
 * daemon still answers on; otherwise remove what a dead one left.
 * Logs why it refuses.
 */
static int
control_unlink_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, live;

	if (lstat(sun->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		log_warn("control socket %s", sun->sun_path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("control socket %s: exists and is not a socket",
		    sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("control socket %s", sun->sun_path);
		return -1;
	}
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	if (live) {
		log_warnx("control socket %s: another husvagtd answers there",
		    sun->sun_path);
		return -1;
	}
	if (unlink(sun->sun_path) == -1) {
		log_warn("control socket %s: removing the stale one",
		    sun->sun_path);
		return -1;
	}
	return 0;
}

/*
 * Bind and listen at sun with mode 0660.  The umask keeps the socket
 * closed to others from the moment it exists.  Returns the fd or -1.
 */
static int
control_listen(const struct sockaddr_un *sun)
{
	mode_t old;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	old = umask(0177);
	if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) == -1) {
		umask(old);
		goto err_fd;
	}
	umask(old);
	if (chmod(sun->sun_path, 0660) == -1 || listen(fd, CONTROL_CLIENTS_MAX) == -1)
		goto err_path;
	return fd;
err_path:
	unlink(sun->sun_path);
err_fd:
	close(fd);
	return -1;
}

/* Listen at path; see control.h. */
struct control *
control_open(const char *path, struct husvagt *h)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct control *c;
	int i;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if (control_unlink_stale(&sun) == -1)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("control socket %s", path);
		return NULL;
	}
	if ((c->fd = control_listen(&sun)) == -1) {
		log_warn("control socket %s", path);
		free(c);
		return NULL;
	}
	strcpy(c->path, path);
	c->h = h;
	for (i = 0; i < CONTROL_CLIENTS_MAX; i++)
		c->clients[i].fd = -1;
	log_info("control socket listening at %s", path);
	return c;
}

/* Drop every client, stop listening and remove the socket. */
void
control_close(struct control *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CONTROL_CLIENTS_MAX; i++)
		control_client_close(&c->clients[i]);
	close(c->fd);
	unlink(c->path);
	free(c);
}

/* Release a client's slot and everything it holds. */
static void
control_client_close(struct control_client *cl)
{
	if (cl->fd == -1)
		return;
	close(cl->fd);
	free(cl->in);
	free(cl->out);
	memset(cl, 0, sizeof(*cl));
	cl->fd = -1;
}

/*
 * Drop a client that went away or is sent away: what it still waited for
 * (a chip to enrol) is cancelled, since nobody would hear of it.
 */
static void
control_drop(struct control *c, struct control_client *cl)
{
	if (cl->fd != -1)
		reader_enrol_abandon(c->h, cl->conn);
	control_client_close(cl);
}

/* Whether the input buffer holds a complete request line. */
static bool
control_has_line(const struct control_client *cl)
{
	if (cl->inlen > 0 && cl->eof)
		return true;	/* the unterminated last line */
	return memchr(cl->in, '\n', cl->inlen) != NULL;
}

/*
 * Events wanted for a client.  POLLOUT is asked for a pending reply and
 * also for requests already buffered, so that the loop comes back for them
 * at once without reading more.
 */
static short
control_client_events(const struct control_client *cl)
{
	if (cl->outlen > 0 || control_has_line(cl))
		return POLLOUT;
	if (cl->closing || cl->eof)
		return 0;
	return POLLIN;
}

/* Fill pfd with the listener and every client; returns how many. */
int
control_pollfds(struct control *c, struct pollfd *pfd, int max)
{
	int i, n = 0;

	if (max < 1)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
	for (i = 0; i < CONTROL_CLIENTS_MAX && n < max; i++) {
		if (c->clients[i].fd == -1)
			continue;
		pfd[n++] = (struct pollfd){ .fd = c->clients[i].fd,
		    .events = control_client_events(&c->clients[i]) };
	}
	return n;
}

/*
 * Queue reply as the client's one pending line.  A reply that cannot be
 * serialised becomes a short error, so the client always gets a line;
 * without even the memory for that, the client is let go rather than
 * left waiting.
 */
static void
control_queue(struct control_client *cl, const json_t *reply)
{
	static const char oom[] =
	    "{\"ok\":false,\"error\":\"internal\",\"message\":\"out of memory\"}";
	char *s, *t;
	size_t len;

	if ((s = json_dumps(reply, JSON_COMPACT)) == NULL)
		s = strdup(oom);
	if (s == NULL || (t = realloc(s, strlen(s) + 2)) == NULL) {
		free(s);
		cl->closing = true;
		return;
	}
	len = strlen(t);
	t[len] = '\n';
	t[len + 1] = '\0';
	free(cl->out);
	cl->out = t;
	cl->outlen = len + 1;
	cl->outoff = 0;
}

/*
 * Queue an error reply built from code and message.  The message may quote
 * what the peer sent (jansson's "near '...'"), so anything but printable
 * ASCII becomes '?' to keep the reply valid UTF-8.
 */
static void
control_queue_error(struct control_client *cl, const char *code,
    const char *msg)
{
	char text[256];
	json_t *reply;
	size_t i;

	snprintf(text, sizeof(text), "%s", msg);
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] < 0x20 || text[i] > 0x7e)
			text[i] = '?';
	}
	reply = cmd_error(code, "%s", text);
	control_queue(cl, reply);
	json_decref(reply);
}

/*
 * Journal a request refused because its sender is not proven to be staff:
 * who tried is part of the record.  No staff login was proven, so the
 * actor is "root" (a bad "as") or "system", and the uid is in the detail.
 */
static void
control_refused(struct control *c, const struct control_client *cl,
    const json_t *req, const char *code)
{
	const char *verb = json_string_value(json_object_get(req, "verb"));

	log_warnx("control: uid %u refused: %s", (unsigned)cl->peer.uid, code);
	husvagt_journal(c->h, "command.refused", "", cl->peer.root ? "root" :
	    "system", "", json_pack("{s:s%, s:s, s:s, s:I}", "verb", verb,
	    cmd_utf8_cut(verb, 64), "error", code, "via", "control", "uid",
	    (json_int_t)cl->peer.uid));
}

/* Parse one request line of len bytes and queue its reply. */
static void
control_request(struct control *c, struct control_client *cl,
    const char *line, size_t len)
{
	struct cmd_actor actor;
	json_error_t err;
	json_t *req, *reply;
	const char *nul, *refused;
	char msg[256];

	if ((nul = memchr(line, '\0', len)) != NULL) {
		snprintf(msg, sizeof(msg), "line 1 column %zu: NUL byte",
		    (size_t)(nul - line) + 1);
		control_queue_error(cl, "bad_json", msg);
		return;
	}
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &err);
	if (req == NULL) {
		snprintf(msg, sizeof(msg), "line %d column %d: %s", err.line,
		    err.column, err.text);
		control_queue_error(cl, "bad_json", msg);
		return;
	}
	if (!json_is_object(req) ||
	    !json_is_string(json_object_get(req, "verb"))) {
		control_queue_error(cl, "bad_request",
		    "a request is an object with a string \"verb\"");
		goto out;
	}
	refused = control_peer_actor(c->h, &cl->peer, req, &actor, msg,
	    sizeof(msg));
	if (refused != NULL) {
		control_queue_error(cl, refused, msg);
		control_refused(c, cl, req, refused);
		goto out;
	}
	json_object_del(req, "as");
	actor.conn = cl->conn;
	reply = cmd_exec(c->h, &actor, req);
	control_queue(cl, reply);
	json_decref(reply);
out:
	json_decref(req);
}

/*
 * Take the first line out of the input buffer and answer it.  At end of
 * input an unterminated last line counts as a line.
 */
static void
control_next_line(struct control *c, struct control_client *cl)
{
	char *nl = memchr(cl->in, '\n', cl->inlen);
	size_t len, used;

	len = nl != NULL ? (size_t)(nl - cl->in) : cl->inlen;
	used = nl != NULL ? len + 1 : len;
	if (len > 0 && cl->in[len - 1] == '\r')
		len--;
	control_request(c, cl, cl->in, len);
	memmove(cl->in, cl->in + used, cl->inlen - used);
	cl->inlen -= used;
}

/*
 * Write what the socket takes of the pending reply.  Returns -1 when the
 * client is gone and must be dropped.
 */
static int
control_flush(struct control_client *cl)
{
	ssize_t n;

	while (cl->outoff < cl->outlen) {
		n = send(cl->fd, cl->out + cl->outoff, cl->outlen - cl->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n == -1)
			return -1;
		cl->outoff += (size_t)n;
		cl->active_ms = clock_mono_ms();
	}
	free(cl->out);
	cl->out = NULL;
	cl->outlen = cl->outoff = 0;
	return 0;
}

/*
 * Answer buffered requests while replies go straight out, at most
 * CONTROL_BURST of them so one busy client cannot starve the loop.
 * Returns -1 when the client is done with and must be dropped.
 */
static int
control_work(struct control *c, struct control_client *cl)
{
	int burst;

	for (burst = 0; ; burst++) {
		if (control_flush(cl) == -1)
			return -1;
		if (cl->outlen > 0)
			return 0;
		if (cl->closing)
			return -1;
		if (!control_has_line(cl))
			return cl->eof ? -1 : 0;
		if (burst == CONTROL_BURST)
			return 0;
		control_next_line(c, cl);
	}
}

/*
 * Read what the client sent.  A line longer than CONTROL_LINE_MAX gets an
 * error and the client is closed after it: what follows cannot be told
 * apart from the rest of that line.  Returns -1 on a read error.
 */
static int
control_read(struct control_client *cl)
{
	size_t room = CONTROL_LINE_MAX + 1 - cl->inlen;
	char msg[64];
	ssize_t n;

	do
		n = recv(cl->fd, cl->in + cl->inlen, room, MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	cl->active_ms = clock_mono_ms();
	if (n == 0) {
		cl->eof = true;
		return 0;
	}
	cl->inlen += (size_t)n;
	if (cl->inlen == CONTROL_LINE_MAX + 1 &&
	    memchr(cl->in, '\n', cl->inlen) == NULL) {
		snprintf(msg, sizeof(msg), "a request line is at most %d bytes",
		    CONTROL_LINE_MAX);
		control_queue_error(cl, "line_too_long", msg);
		cl->inlen = 0;
		cl->closing = true;
	}
	return 0;
}

/* Handle poll's verdict on one client. */
static void
control_client_event(struct control *c, struct control_client *cl,
    short revents)
{
	if (revents & (POLLERR | POLLNVAL)) {
		control_drop(c, cl);
		return;
	}
	if ((revents & (POLLIN | POLLHUP)) && cl->outlen == 0 && !cl->closing &&
	    !cl->eof && !control_has_line(cl) && control_read(cl) == -1) {
		control_drop(c, cl);
		return;
	}
	if (control_work(c, cl) == -1)
		control_drop(c, cl);
}

/*
 * Make room when every slot is taken: the client idle longest goes, if it
 * has been idle for CONTROL_IDLE_MS.  Returns a free slot or NULL.
 */
static struct control_client *
control_slot(struct control *c)
{
	struct control_client *idle = NULL;
	uint64_t now = clock_mono_ms();
	int i;

	for (i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		if (c->clients[i].fd == -1)
			return &c->clients[i];
		if (idle == NULL || c->clients[i].active_ms < idle->active_ms)
			idle = &c->clients[i];
	}
	if (now - idle->active_ms < CONTROL_IDLE_MS)
		return NULL;
	log_info("control: dropping client uid %u, idle %llu s",
	    (unsigned)idle->peer.uid,
	    (unsigned long long)(now - idle->active_ms) / 1000);
	control_drop(c, idle);
	return idle;
}

/* Tell a connection there is no room for it, as far as it will listen. */
static void
control_refuse(int fd)
{
	static const char busy[] = "{\"ok\":false,\"error\":\"busy\","
	    "\"message\":\"too many control clients\"}\n";

	if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) == -1)
		log_debug("control: refusing a client: %s", strerror(errno));
	close(fd);
}

/*
 * Accept one pending connection into a free slot.  Returns -1 when none
 * was pending (or accept failed), 0 otherwise.
 */
static int
control_accept(struct control *c)
{
	struct control_client *cl;
	int fd;

	fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return -1;
	}
	if ((cl = control_slot(c)) == NULL) {
		log_warnx("control: %d clients, refusing another",
		    CONTROL_CLIENTS_MAX);
		control_refuse(fd);
		return 0;
	}
	cl->fd = fd;
	cl->conn = ++c->nconn;
	cl->active_ms = clock_mono_ms();
	if (control_peer_identify(fd, &cl->peer) == -1 ||
	    (cl->in = malloc(CONTROL_LINE_MAX + 1)) == NULL) {
		log_warn("control: accept");
		control_client_close(cl);
		return 0;
	}
	log_debug("control: client uid %u (%s)", (unsigned)cl->peer.uid,
	    cl->peer.name[0] != '\0' ? cl->peer.name : "unknown");
	return 0;
}

/* Find the client on fd; NULL when it is not (or no longer) ours. */
static struct control_client *
control_find(struct control *c, int fd)
{
	int i;

	for (i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		if (c->clients[i].fd == fd)
			return &c->clients[i];
	}
	return NULL;
}

/*
 * Act on what poll reported for the n entries control_pollfds() filled.
 * Clients go first; the listener last, so a slot freed now is reusable.
 * Pending connections are taken in a burst, so a crowd at the door does
 * not overflow the backlog while the loop turns.
 */
void
control_dispatch(struct control *c, const struct pollfd *pfd, int n)
{
	struct control_client *cl;
	int i, k;

	for (i = 0; i < n; i++) {
		if (pfd[i].fd == c->fd || pfd[i].revents == 0)
			continue;
		if ((cl = control_find(c, pfd[i].fd)) != NULL)
			control_client_event(c, cl, pfd[i].revents);
	}
	for (i = 0; i < n; i++) {
		if (pfd[i].fd != c->fd || !(pfd[i].revents & POLLIN))
			continue;
		for (k = 0; k < CONTROL_CLIENTS_MAX; k++) {
			if (control_accept(c) == -1)
				break;
		}
	}
}
