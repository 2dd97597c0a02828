/*
 * One control client: its request lines in, one reply line out for each,
 * one reply in flight at a time (see control.c).
 */
#include <sys/socket.h>

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

/* Release a client's slot and everything it holds. */
void
control_client_close(struct control *c, struct control_client *cl)
{
	if (cl->fd == -1)
		return;
	if (cl->streaming)
		work_discard(c->h->worker, cl->src_fd);
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
void
control_drop(struct control *c, struct control_client *cl)
{
	if (cl->fd != -1)
		reader_enrol_abandon(c->h, cl->conn);
	control_client_close(c, cl);
}

/* Whether the input buffer holds a complete request line. */
static bool
control_has_line(const struct control_client *cl)
{
	if (cl->inlen > 0 && cl->eof)
		return true;	/* the unterminated last line */
	return memchr(cl->in, '\n', cl->inlen) != NULL;
}

bool
control_client_idle(const struct control_client *cl)
{
	return cl->fd != -1 && cl->outlen == 0 && !cl->closing &&
	    !cl->waiting && !control_has_line(cl);
}

/*
 * Events wanted for a client.  POLLOUT is asked for a pending reply and
 * also for requests already buffered, so that the loop comes back for them
 * at once without reading more.
 */
short
control_client_events(const struct control_client *cl)
{
	if (cl->waiting)
		return 0;	/* nothing read or written until the reply */
	if (cl->outlen > 0 || control_has_line(cl))
		return POLLOUT;
	if (cl->closing || cl->eof)
		return 0;
	return POLLIN;
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

void
control_client_reply(struct control_client *cl, const json_t *reply)
{
	control_queue(cl, reply);
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
	house_journal(c->h, "command.refused", "", cl->peer.root ? "root" :
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
	if (json_object_get(reply, CMD_DEFERRED) != NULL) {
		struct work_waiter who = { .via = WORK_CONTROL,
		    .conn = cl->conn };

		work_wait(c->h->worker, json_integer_value(json_object_get(
		    reply, CMD_DEFERRED)), &who);
		cl->waiting = true;
	} else
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
 * The next piece of a streamed reply: up to CONTROL_CHUNK bytes of the
 * file escaped as the inside of a JSON string, or at the end of the file
 * the reply's close.  -1 when the file cannot be read (the client is
 * dropped: its reply cannot be finished).
 */
static int
control_refill(struct control *c, struct control_client *cl)
{
	static const char hex[] = "0123456789abcdef";
	static const char end[] = "\"}}\n";
	unsigned char in[CONTROL_CHUNK];
	char *out;
	size_t i, o = 0;
	ssize_t n;

	n = pread(cl->src_fd, in, sizeof(in), cl->src_off);
	if (n < 0)
		return -1;
	if ((out = malloc(n == 0 ? sizeof(end) : (size_t)n * 6)) == NULL)
		return -1;
	if (n == 0) {
		memcpy(out, end, sizeof(end) - 1);
		o = sizeof(end) - 1;
		work_discard(c->h->worker, cl->src_fd);
		cl->streaming = false;
	}
	for (i = 0; i < (size_t)n; i++) {
		unsigned char ch = in[i];

		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (ch < 0x20 || ch == 0x7f) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[ch >> 4];
			out[o + 5] = hex[ch & 15];
			o += 6;
		} else
			out[o++] = (char)ch;
	}
	cl->src_off += n;
	free(cl->out);
	cl->out = out;
	cl->outlen = o;
	cl->outoff = 0;
	return 0;
}

/*
 * Write what the socket takes of the pending reply; of a streamed one at
 * most CONTROL_CHUNKS pieces per call, and after the first none once
 * CONTROL_STREAM_US have passed, so that a fast reader of a big export
 * does not hold the loop.  Returns -1 when the client is gone and
 * must be dropped.
 */
static int
control_flush(struct control *c, struct control_client *cl)
{
	uint64_t start = clock_mono_us();
	int chunks = 0;
	ssize_t n;

	for (;;) {
		if (cl->outoff == cl->outlen && cl->streaming) {
			if (++chunks > CONTROL_CHUNKS || (chunks > 1 &&
			    clock_mono_us() - start >= CONTROL_STREAM_US))
				return 0;
			if (control_refill(c, cl) == -1)
				return -1;
		}
		if (cl->outoff >= cl->outlen)
			break;
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
	if (cl->outlen > 0)
		cl->line_since = cl->active_ms;	/* the next line's clock */
	free(cl->out);
	cl->out = NULL;
	cl->outlen = cl->outoff = 0;
	return 0;
}

/*
 * Answer buffered requests while replies go straight out, at most
 * CONTROL_BURST of them so one busy client cannot starve the others, and
 * none once the turn's CONTROL_TURN are spent, so the clients together
 * cannot starve the loop: what is left waits for the next turn.
 * Returns -1 when the client is done with and must be dropped.
 */
static int
control_work(struct control *c, struct control_client *cl)
{
	int burst;

	for (burst = 0; ; burst++) {
		if (control_flush(c, cl) == -1)
			return -1;
		if (cl->outlen > 0 || cl->waiting)
			return 0;
		if (cl->closing)
			return -1;
		if (!control_has_line(cl))
			return cl->eof ? -1 : 0;
		if (burst == CONTROL_BURST || c->budget <= 0)
			return 0;
		c->budget--;
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
void
control_client_event(struct control *c, struct control_client *cl,
    short revents)
{
	if ((revents & (POLLERR | POLLNVAL)) ||
	    (cl->waiting && (revents & POLLHUP))) {
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
