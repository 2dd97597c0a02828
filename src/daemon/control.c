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
#include "control_int.h"
#include "husvagtd.h"
#include "log.h"
#include "role.h"


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
		control_client_close(c, &c->clients[i]);
	close(c->fd);
	unlink(c->path);
	free(c);
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
 * Slots.  CONTROL_CLIENTS_MAX in all; the last CONTROL_RESERVED of them
 * only for privileged peers (root, the daemon's uid, a management login),
 * and no unprivileged uid holds more than CONTROL_PER_UID.  When the newcomer's share
 * is full, the oldest idle client it may displace goes -- its own uid's
 * oldest when the uid is at its limit, otherwise the oldest of any
 * unprivileged uid (a privileged newcomer: of anyone) -- so a crowd of
 * idle or trickling connections never keeps management out.  Idle: no
 * request in progress (control_client_idle); a client busy with a
 * request is never displaced, and when only such clients are there the
 * newcomer is refused with "busy".
 */
static struct control_client *
control_oldest_idle(struct control *c, const struct control_peer *p,
    bool same_uid)
{
	struct control_client *cl, *old = NULL;
	int i;

	for (i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		cl = &c->clients[i];
		if (!control_client_idle(cl))
			continue;
		if (same_uid ? cl->peer.uid != p->uid :
		    !p->privileged && cl->peer.privileged)
			continue;
		if (old == NULL || cl->active_ms < old->active_ms)
			old = cl;
	}
	return old;
}

static struct control_client *
control_slot(struct control *c, const struct control_peer *p)
{
	struct control_client *free_slot = NULL, *old;
	int i, mine = 0, others = 0;

	for (i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		if (c->clients[i].fd == -1) {
			if (free_slot == NULL)
				free_slot = &c->clients[i];
			continue;
		}
		if (c->clients[i].peer.uid == p->uid)
			mine++;
		if (!c->clients[i].peer.privileged)
			others++;
	}
	if (!p->privileged && mine >= CONTROL_PER_UID)
		old = control_oldest_idle(c, p, true);
	else if (free_slot != NULL && (p->privileged ||
	    others < CONTROL_CLIENTS_MAX - CONTROL_RESERVED))
		return free_slot;
	else
		old = control_oldest_idle(c, p, false);
	if (old == NULL)
		return NULL;
	log_debug("control: client uid %u idle %llu ms makes room for uid %u",
	    (unsigned)old->peer.uid, (unsigned long long)(clock_mono_ms() -
	    old->active_ms), (unsigned)p->uid);
	c->evicted++;
	control_drop(c, old);
	return old;
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
 * Accept one pending connection into a slot.  Returns -1 when none was
 * pending (or accept failed), 0 otherwise.
 */
static int
control_accept(struct control *c)
{
	struct control_client *cl;
	struct control_peer peer;
	uint64_t now;
	int fd;

	fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return -1;
	}
	if (control_peer_identify(fd, &peer) == -1) {
		log_warn("control: accept");
		close(fd);
		return 0;
	}
	peer.privileged = peer.root || (peer.name[0] != '\0' &&
	    (staff_roles_of(c->h, peer.name) & ROLE_MANAGEMENT) != 0);
	if ((cl = control_slot(c, &peer)) == NULL) {
		log_warnx("control: no idle slot for uid %u, refusing it",
		    (unsigned)peer.uid);
		control_refuse(fd);
		return 0;
	}
	now = clock_mono_ms();
	cl->fd = fd;
	cl->peer = peer;
	cl->conn = ++c->nconn;
	cl->active_ms = cl->line_since = now;
	if ((cl->in = malloc(CONTROL_LINE_MAX + 1)) == NULL) {
		log_warn("control: accept");
		control_client_close(c, cl);
		return 0;
	}
	log_debug("control: client uid %u (%s)", (unsigned)cl->peer.uid,
	    cl->peer.name[0] != '\0' ? cl->peer.name : "unknown");
	return 0;
}

void
control_deliver(struct control *c, uint64_t conn, json_t *reply)
{
	struct control_client *cl;
	int i;

	for (i = 0; c != NULL && i < CONTROL_CLIENTS_MAX; i++) {
		cl = &c->clients[i];
		if (cl->fd == -1 || cl->conn != conn || !cl->waiting)
			continue;
		cl->waiting = false;
		control_client_reply(cl, reply);
		break;
	}
	json_decref(reply);
}

void
control_deliver_stream(struct control *c, uint64_t conn, const char *format,
    int64_t rows, int fd)
{
	struct control_client *cl;
	char *head;
	int i;

	for (i = 0; c != NULL && i < CONTROL_CLIENTS_MAX; i++) {
		cl = &c->clients[i];
		if (cl->fd == -1 || cl->conn != conn || !cl->waiting)
			continue;
		if (asprintf(&head, "{\"ok\":true,\"result\":{\"format\":"
		    "\"%s\",\"rows\":%lld,\"data\":\"", format,
		    (long long)rows) == -1)
			break;
		cl->waiting = false;
		free(cl->out);
		cl->out = head;
		cl->outlen = strlen(head);
		cl->outoff = 0;
		cl->streaming = true;
		cl->src_fd = fd;
		cl->src_off = 0;
		return;
	}
	work_discard(c != NULL ? c->h->worker : NULL, fd);
}

/* Whether a client waits for a line against the line deadline. */
static bool
control_waits_line(const struct control_client *cl)
{
	return control_client_idle(cl) && !cl->eof;
}

void
control_tick(struct control *c, uint64_t now)
{
	struct control_client *cl;
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		cl = &c->clients[i];
		if (!control_waits_line(cl) ||
		    now < cl->line_since + CONTROL_LINE_MS)
			continue;
		log_debug("control: client uid %u sent no full line in %d ms, "
		    "closing it", (unsigned)cl->peer.uid, CONTROL_LINE_MS);
		c->timed_out++;
		control_drop(c, cl);
	}
}

uint64_t
control_deadline(const struct control *c)
{
	uint64_t t = 0, d;
	int i;

	if (c == NULL)
		return 0;
	for (i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		if (!control_waits_line(&c->clients[i]))
			continue;
		d = c->clients[i].line_since + CONTROL_LINE_MS;
		if (t == 0 || d < t)
			t = d;
	}
	return t;
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
 * Pending connections are taken in a burst of at most CONTROL_ACCEPTS,
 * so a crowd at the door neither overflows the backlog while the loop
 * turns nor holds the loop while it keeps coming.
 */
void
control_dispatch(struct control *c, const struct pollfd *pfd, int n)
{
	struct control_client *cl;
	int i, j, k;

	/* Round robin: the client served first moves on every turn. */
	c->budget = CONTROL_TURN;
	for (j = 0; j < n; j++) {
		i = (int)((c->rr + (unsigned)j) % (unsigned)n);
		if (pfd[i].fd == c->fd || pfd[i].revents == 0)
			continue;
		if ((cl = control_find(c, pfd[i].fd)) != NULL)
			control_client_event(c, cl, pfd[i].revents);
	}
	c->rr++;
	for (i = 0; i < n; i++) {
		if (pfd[i].fd != c->fd || !(pfd[i].revents & POLLIN))
			continue;
		for (k = 0; k < CONTROL_ACCEPTS; k++) {
			if (control_accept(c) == -1)
				break;
		}
	}
}
