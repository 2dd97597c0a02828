/*
 * Shared by the control socket's server (control.c) and its clients'
 * line handling (control_client.c).
 */
#ifndef HUSVAGT_CONTROL_INT_H
#define HUSVAGT_CONTROL_INT_H

#include <sys/un.h>

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "control.h"

#define CONTROL_BURST	8		/* requests per client per dispatch */
#define CONTROL_ACCEPTS	16		/* connections taken per dispatch */
#define CONTROL_TURN	16		/* requests per dispatch, all clients */
#define CONTROL_CHUNK	32768		/* a streamed reply read at a time */
#define CONTROL_CHUNKS	4		/* ... and written per dispatch, */
#define CONTROL_STREAM_US 2000		/* ... in at most this long */

struct control_client {
	int		 fd;		/* -1: slot free */
	struct control_peer peer;	/* who is at the other end */
	char		*in;		/* CONTROL_LINE_MAX + 1 bytes */
	size_t		 inlen;
	char		*out;		/* the reply being written */
	size_t		 outlen, outoff;
	bool		 eof;		/* the peer will send nothing more */
	bool		 closing;	/* close once the reply is written */
	bool		 waiting;	/* its reply is deferred (work.c) */
	bool		 streaming;	/* the reply goes on from src_fd */
	int		 src_fd;
	off_t		 src_off;
	uint64_t	 active_ms;	/* last read or write */
	uint64_t	 line_since;	/* waiting for a full line since */
	uint64_t	 conn;		/* this connection's number, from 1 */
};

struct control {
	int			 fd;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct husvagt		*h;
	struct control_client	 clients[CONTROL_CLIENTS_MAX];
	uint64_t		 nconn;		/* connections accepted */
	int			 budget;	/* requests left this dispatch */
	unsigned		 rr;		/* first client served next turn */
	uint64_t		 evicted;	/* idle clients sent away for room */
	uint64_t		 timed_out;	/* no full line in time */
};

/* control_client.c */
/* Release a client's slot and everything it holds. */
void	 control_client_close(struct control *, struct control_client *);
/* Drop a client that went away or is sent away, cancelling what it still
 * waited for (a chip to enrol). */
void	 control_drop(struct control *, struct control_client *);
/* Events wanted for a client. */
short	 control_client_events(const struct control_client *);
/* Queue reply as the client's one pending line. */
void	 control_client_reply(struct control_client *, const json_t *reply);
/* Whether a client waits for its next request line (nothing of its own
 * in progress): such a client may be sent away to make room. */
bool	 control_client_idle(const struct control_client *);
/* Handle poll's verdict on one client. */
void	 control_client_event(struct control *, struct control_client *,
	     short revents);

#endif
