/*
 * The control socket (src/daemon/control.c, src/daemon/control_peer.c): what a client
 * writes is cut into lines (LF, CRLF, an unterminated last line at end of
 * input, NUL bytes), each line parsed as JSON and checked as a request
 * envelope (an object with a string "verb", "as" only from root), and
 * run.  The input is sent whole down a real connection to a live
 * daemon's socket (fuzz_daemon.h), the write side is shut, and the
 * daemon's dispatch runs until it has answered and hung up.  Every reply
 * line must be a JSON object with "ok".
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>

#include "clock.h"
#include "fuzz_daemon.h"

#define ROUNDS_MAX	2000	/* dispatch rounds before the daemon is
				   taken to hang */

/* Check each complete reply line in buf; keep a partial one. */
static void
replies(char *buf, size_t *len)
{
	char *nl;
	size_t used;
	json_t *r;

	while ((nl = memchr(buf, '\n', *len)) != NULL) {
		r = json_loadb(buf, (size_t)(nl - buf), 0, NULL);
		fuzz_reply_check(r);
		json_decref(r);
		used = (size_t)(nl - buf) + 1;
		memmove(buf, buf + used, *len - used);
		*len -= used;
	}
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		abort();
	return fd;
}

/* Room for k more bytes of replies (an export can be megabytes). */
static char *
room(char **buf, size_t *size, size_t len, size_t k)
{
	while (*size - len < k) {
		*size = *size == 0 ? 65536 : *size * 2;
		if ((*buf = realloc(*buf, *size)) == NULL)
			abort();
	}
	return *buf + len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static char *in;
	static size_t size;
	struct husvagt *h = fuzz_daemon();
	struct pollfd pfd[CONTROL_CLIENTS_MAX + 1];
	size_t sent = 0, inlen = 0;
	int fd, np, round;
	ssize_t k;

	fd = connect_to(h->cfg.control_socket);
	for (round = 0; round < ROUNDS_MAX; round++) {
		if (sent < n) {
			k = send(fd, data + sent, n - sent, MSG_NOSIGNAL);
			if (k > 0)
				sent += (size_t)k;
			else if (k == -1 && errno != EAGAIN)
				sent = n;	/* the daemon hung up */
			if (sent == n)
				shutdown(fd, SHUT_WR);
		} else if (n == 0 && round == 0)
			shutdown(fd, SHUT_WR);
		np = control_pollfds(h->control, pfd, CONTROL_CLIENTS_MAX + 1);
		if (poll(pfd, (nfds_t)np, 10) == -1)
			abort();
		control_dispatch(h->control, pfd, np);
		k = recv(fd, room(&in, &size, inlen, 65536), 65536, 0);
		if (k == 0 && sent == n)
			break;			/* answered and hung up */
		if (k > 0) {
			inlen += (size_t)k;
			replies(in, &inlen);
		}
	}
	if (round == ROUNDS_MAX) {
		fprintf(stderr, "control: no end after %d rounds\n", round);
		abort();
	}
	if (inlen != 0) {
		fprintf(stderr, "control: unterminated reply of %zu bytes: "
		    "%.*s\n", inlen, (int)(inlen < 200 ? inlen : 200), in);
		abort();
	}
	close(fd);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	fuzz_daemon_init(1, NULL);
	return 0;
}
