/*
 * The sim backend: a simulated building inside the daemon, driven through
 * a Unix socket by tools/husvagt-sim and the system tests.  It is a full
 * backend: the core cannot tell it from wires, and its state lives on
 * the daemon's one poll loop like every other backend's.
 *
 * This file holds the backend's ops and the socket; sim_client.c reads
 * and answers its clients, sim_ops.c and sim_list.c answer requests,
 * sim_wires.c keeps the wires across restarts, sim_reader.c sends
 * Wiegand frames.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "sim_int.h"

/* Whether a board point is wired to this backend. */
bool
sim_owns(const struct sim *s, int point)
{
	return point >= 0 && point < s->board->npoints &&
	    s->board->points[point].backend == s->be->index;
}

/* Work out the file names from the parameters; -1 if they cannot be. */
static int
sim_paths(struct sim *s)
{
	const struct hal_params *hp = hal_params(s->hal);

	if (hp->state_dir == NULL || hp->sim_socket == NULL) {
		log_warnx("sim: needs a state_dir and a sim_socket");
		errno = EINVAL;
		return -1;
	}
	if (mkdir(hp->state_dir, 0750) != 0 && errno != EEXIST) {
		log_warn("sim: %s", hp->state_dir);
		return -1;
	}
	if ((size_t)snprintf(s->wires_path, sizeof(s->wires_path),
	    "%s/sim-wires", hp->state_dir) >= sizeof(s->wires_path) ||
	    (size_t)snprintf(s->log_path, sizeof(s->log_path),
	    "%s/sim-wires.log", hp->state_dir) >= sizeof(s->log_path) ||
	    strlen(hp->sim_socket) >= sizeof(s->sock_path)) {
		log_warnx("sim: state_dir or sim_socket path too long");
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(s->sock_path, hp->sim_socket, strlen(hp->sim_socket) + 1);
	return 0;
}

/*
 * A socket file left by a daemon that died is removed; one that still
 * answers belongs to a running daemon, and anything else is not ours.
 */
static int
sim_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(sun->sun_path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("sim: %s exists and is not a socket", sun->sun_path);
		errno = EEXIST;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0) {
		log_warnx("sim: %s is in use by another daemon", sun->sun_path);
		errno = EADDRINUSE;
		return -1;
	}
	return unlink(sun->sun_path);
}

/* Listen on the driver socket, mode 0660. */
static int
sim_listen(struct sim *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int rc;

	memcpy(sun.sun_path, s->sock_path, strlen(s->sock_path) + 1);
	if (sim_stale(&sun) != 0)
		return -1;
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (s->lfd == -1)
		return -1;
	/* The mode is set by umask at bind, so there is no moment at which
	 * the socket is open to everyone. */
	old = umask(0117);
	rc = bind(s->lfd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0 || listen(s->lfd, SIM_BACKLOG) != 0) {
		log_warn("sim: %s", s->sock_path);
		close(s->lfd);
		s->lfd = -1;
		return -1;
	}
	return 0;
}

/* Tell the HAL what the wires carry now, without writing any of them. */
static void
sim_report_all(struct sim *s)
{
	uint64_t now = clock_mono_ms();
	int i;

	for (i = 0; i < s->board->npoints; i++) {
		if (!sim_owns(s, i))
			continue;
		switch (s->board->points[i].kind) {
		case BOARD_INPUT:
			hal_report_input(s->hal, i, s->w[i].level, now);
			break;
		case BOARD_SUPERVISED:
			hal_report_loop(s->hal, i, s->w[i].loop, now);
			break;
		case BOARD_OUTPUT:
			hal_report_output(s->hal, i, s->w[i].level);
			break;
		case BOARD_READER:
			break;
		}
	}
}

/* Free everything; the socket file goes only if this backend made it. */
static void
sim_free(struct sim *s)
{
	int i;

	for (i = 0; i < SIM_CLIENTS_MAX; i++)
		sim_client_close(&s->cl[i]);
	if (s->lfd != -1) {
		close(s->lfd);
		unlink(s->sock_path);
	}
	if (s->logfd != -1)
		close(s->logfd);
	if (s->wires_fd != -1)
		close(s->wires_fd);
	for (i = 0; s->w != NULL && i < s->board->npoints; i++)
		free(s->w[i].queue);
	free(s->w);
	free(s);
}

/* A sim with its wires allocated and nothing opened yet. */
static struct sim *
sim_new(struct hal_backend *be)
{
	struct sim *s;
	int i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->be = be;
	s->hal = be->hal;
	s->board = hal_board(be->hal);
	s->lfd = s->logfd = s->wires_fd = -1;
	for (i = 0; i < SIM_CLIENTS_MAX; i++)
		s->cl[i].fd = -1;
	s->w = calloc((size_t)s->board->npoints + 1, sizeof(*s->w));
	for (i = 0; s->w != NULL && i < s->board->npoints; i++)
		if (sim_owns(s, i) &&
		    s->board->points[i].kind == BOARD_READER &&
		    (s->w[i].queue = calloc(1, sizeof(struct sim_queue))) ==
		    NULL)
			break;
	if (s->w == NULL || i < s->board->npoints) {
		sim_free(s);
		return NULL;
	}
	return s;
}

/* Restore the wires, open the log and the socket; write no output. */
static int
sim_open(struct hal_backend *be)
{
	struct sim *s;

	if ((s = sim_new(be)) == NULL) {
		log_warn("sim");
		return -1;
	}
	if (sim_paths(s) != 0 || sim_wires_load(s) != 0 ||
	    sim_log_open(s) != 0 || sim_listen(s) != 0) {
		sim_free(s);
		return -1;
	}
	/*
	 * Real wires do not need a disk: a full one (logged) must not keep
	 * the building from starting.  The wires are saved again at the
	 * next change.
	 */
	(void)sim_wires_save(s);
	be->priv = s;
	sim_report_all(s);
	log_info("sim: driver socket %s", s->sock_path);
	return 0;
}

/* Close the socket and the clients; the wires stay as they are. */
static void
sim_close(struct hal_backend *be)
{
	sim_free(be->priv);
	be->priv = NULL;
}

/* The listening socket, then each client: reading, or writing a reply. */
static int
sim_pollfds(struct hal_backend *be, struct pollfd *pfd, int max)
{
	struct sim *s = be->priv;
	struct sim_client *c;
	int i, n = 0;

	if (max < 1)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
	for (i = 0; i < SIM_CLIENTS_MAX && n < max; i++) {
		c = &s->cl[i];
		if (c->fd == -1)
			continue;
		/* A client is not read while its reply waits: that is the
		 * backpressure that bounds its output buffer. */
		pfd[n++] = (struct pollfd){ .fd = c->fd,
		    .events = c->outlen > 0 || c->closing ? POLLOUT : POLLIN };
	}
	return n;
}

/* Accept, read and write as poll found ready. */
static void
sim_dispatch(struct hal_backend *be, const struct pollfd *pfd, int n)
{
	struct sim *s = be->priv;
	struct sim_client *c;
	int i, j;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == s->lfd) {
			sim_accept(s);
			continue;
		}
		for (j = 0; j < SIM_CLIENTS_MAX; j++)
			if (s->cl[j].fd == pfd[i].fd)
				break;
		if (j == SIM_CLIENTS_MAX)
			continue;	/* closed while answering another */
		c = &s->cl[j];
		if (c->outlen == 0 && !c->closing) {
			sim_client_read(s, c);
			continue;
		}
		sim_client_flush(c);
		/* Lines that waited for the replies to drain go on now. */
		if (c->fd != -1 && c->outlen == 0 && c->inlen > 0)
			sim_client_lines(s, c);
	}
}

/* When a waiting Wiegand frame is due; 0 when none waits. */
static uint64_t
sim_deadline(struct hal_backend *be)
{
	return sim_reader_deadline(be->priv);
}

/* Send the Wiegand frames that are due; now is read finer than ms. */
static void
sim_tick(struct hal_backend *be, uint64_t now_ms)
{
	(void)now_ms;
	sim_reader_tick(be->priv);
}

/*
 * Drive outputs: each change is logged with its time, and the wires are
 * saved once for the whole write.
 */
static int
sim_write(struct hal_backend *be, const int *points, const int *levels,
    int n)
{
	struct sim *s = be->priv;
	bool changed = false;
	int i;

	for (i = 0; i < n; i++)
		if (!sim_owns(s, points[i]) ||
		    s->board->points[points[i]].kind != BOARD_OUTPUT) {
			errno = EINVAL;
			return -1;
		}
	for (i = 0; i < n; i++) {
		s->w[points[i]].written = true;
		if (s->w[points[i]].level == (levels[i] != 0))
			continue;
		s->w[points[i]].level = levels[i] != 0;
		sim_log_change(s, points[i], levels[i] != 0);
		changed = true;
	}
	if (changed)
		(void)sim_wires_save(s);
	return 0;
}

/* A reader's data lines held low (the "line" op): bit 0 D0, bit 1 D1. */
static int
sim_reader_lines(struct hal_backend *be, int point)
{
	struct sim *s = be->priv;

	if (!sim_owns(s, point) || s->board->points[point].kind != BOARD_READER)
		return -1;
	return s->w[point].level & 3;
}

const struct hal_backend_ops hal_sim_ops = {
	.type = "sim",
	.open = sim_open,
	.close = sim_close,
	.pollfds = sim_pollfds,
	.dispatch = sim_dispatch,
	.deadline = sim_deadline,
	.tick = sim_tick,
	.write = sim_write,
	.reader_lines = sim_reader_lines,
};
