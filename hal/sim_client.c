/*
 * The sim backend's driver socket clients: one request line in, one
 * reply line out, replies queued while a client does not read.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sim_int.h"

/* Close one client and free its slot. */
void
sim_client_close(struct sim_client *c)
{
	if (c->fd != -1)
		close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Send what the socket takes; close a client done or gone. */
void
sim_client_flush(struct sim_client *c)
{
	ssize_t r;

	while (c->outlen > 0) {
		r = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) {
			sim_client_close(c);
			return;
		}
		memmove(c->out, c->out + r, c->outlen - (size_t)r);
		c->outlen -= (size_t)r;
	}
	if (c->closing)
		sim_client_close(c);
}

/* Queue one reply line and try to send it at once. */
static void
sim_client_send(struct sim_client *c, const char *text)
{
	size_t n = strlen(text) + 1, cap;
	char *p;

	if (c->outlen + n > c->outcap) {
		cap = c->outcap > 0 ? c->outcap : 4096;
		while (cap < c->outlen + n)
			cap *= 2;
		if (cap > SIM_OUT_MAX || (p = realloc(c->out, cap)) == NULL) {
			log_warnx("sim: dropping a client that does not read");
			sim_client_close(c);
			return;
		}
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, text, n - 1);
	c->out[c->outlen + n - 1] = '\n';
	c->outlen += n;
	sim_client_flush(c);
}

/* Answer one request line. */
static void
sim_client_line(struct sim *s, struct sim_client *c, char *line, size_t len)
{
	char *reply;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	reply = sim_request(s, line, len);
	sim_client_send(c, reply != NULL ? reply :
	    "{\"ok\":false,\"error\":\"out of memory\"}");
	free(reply);
}

/*
 * Answer the complete lines in the buffer, pausing while replies pile up
 * unsent; refuse a line that is too long.
 */
void
sim_client_lines(struct sim *s, struct sim_client *c)
{
	size_t start = 0, len;
	char *nl;

	while (c->fd != -1 && !c->closing && c->outlen < SIM_OUT_PAUSE &&
	    (nl = memchr(c->in + start, '\n', c->inlen - start)) != NULL) {
		len = (size_t)(nl - (c->in + start));
		sim_client_line(s, c, c->in + start, len);
		start += len + 1;
	}
	if (c->fd == -1)
		return;
	memmove(c->in, c->in + start, c->inlen - start);
	c->inlen -= start;
	if (c->inlen > SIM_LINE_MAX && memchr(c->in, '\n', c->inlen) == NULL) {
		c->closing = true;
		sim_client_send(c, "{\"ok\":false,\"error\":\"request line "
		    "longer than 65536 bytes; closing\"}");
	}
}

/* Read once from a client; at end of file answer a last unended line. */
void
sim_client_read(struct sim *s, struct sim_client *c)
{
	ssize_t r;

	r = recv(c->fd, c->in + c->inlen, SIM_LINE_MAX + 1 - c->inlen,
	    MSG_DONTWAIT);
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (r <= 0) {
		c->closing = true;
		if (r == 0 && c->inlen > 0)
			sim_client_line(s, c, c->in, c->inlen);
		if (c->fd != -1)
			sim_client_flush(c);
		return;
	}
	c->inlen += (size_t)r;
	sim_client_lines(s, c);
}

/* Take every waiting connection; one past the limit is told and closed. */
void
sim_accept(struct sim *s)
{
	static const char full[] = "{\"ok\":false,\"error\":\"too many "
	    "clients\"}\n";
	struct sim_client *c;
	int fd, i;

	while ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		for (i = 0; i < SIM_CLIENTS_MAX && s->cl[i].fd != -1; i++)
			;
		c = i < SIM_CLIENTS_MAX ? &s->cl[i] : NULL;
		if (c == NULL || (c->in = malloc(SIM_LINE_MAX + 1)) == NULL) {
			(void)!send(fd, full, sizeof(full) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		c->fd = fd;
	}
}
