/*
 * The control socket: a Unix stream socket speaking JSON lines (one
 * request object per line, one reply per line; see cmd.h).  The actor is
 * proven by the kernel: SO_PEERCRED gives the peer's uid.
 *
 *  - uid 0 or the daemon's own uid: login "root" with every role, unless
 *    the request carries "as": LOGIN, in which case it acts as that staff
 *    login with that login's roles (root vouches for the person at the
 *    keyboard, as sudo does);
 *  - any other uid: the Unix user name, which must be a staff login; its
 *    roles are those of the configuration's [staff] and the staff table
 *    together (staff_roles_of).  Unknown users are refused with
 *    "not_authorised".
 */
#ifndef HUSVAGT_CONTROL_H
#define HUSVAGT_CONTROL_H

#include <poll.h>

#define CONTROL_LINE_MAX	65536	/* longest request line */
#define CONTROL_CLIENTS_MAX	64	/* slots in all */
#define CONTROL_RESERVED	8	/* of them only for root and management */
#define CONTROL_PER_UID		8	/* slots one unprivileged uid may hold */
#define CONTROL_LINE_MS		5000	/* a full line within this, or closed */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "cmd.h"

struct control;
struct husvagt;

/* Who is at the other end of a connection, as the kernel says. */
struct control_peer {
	uid_t	 uid;
	bool	 root;			/* uid 0 or the daemon's own uid */
	bool	 privileged;		/* root, or a management login */
	char	 name[ROLE_LOGIN_MAX + 1];	/* user name; "" unknown */
};

/* Listen at path (a stale socket is replaced), mode 0660.  NULL on error
 * (logged).  Free with control_close(). */
struct control *control_open(const char *path, struct husvagt *);
void	control_close(struct control *);
int	control_pollfds(struct control *, struct pollfd *, int max);
void	control_dispatch(struct control *, const struct pollfd *, int n);
/* Send the deferred reply (stolen) of the request client conn waits on;
 * dropped when that client is gone. */
void	control_deliver(struct control *, uint64_t conn, json_t *reply);
/* Send an export (journal.export's reply) streamed from fd (taken over,
 * closed when done): {"ok":true,"result":{"format","rows","data"}} with
 * data read from the file and escaped a chunk at a time. */
void	control_deliver_stream(struct control *, uint64_t conn,
	    const char *format, int64_t rows, int fd);
/* The line deadline: close clients that have not sent a full line within
 * CONTROL_LINE_MS of connecting or of their last reply. */
void	control_tick(struct control *, uint64_t now);
uint64_t control_deadline(const struct control *);

/* control_peer.c */
/* Fill p from the peer credentials of the connected socket fd. */
int	control_peer_identify(int fd, struct control_peer *p);
/*
 * The actor of request req from peer p, by the rules above.  Returns NULL
 * with *a filled, or an error code with the reason in msg.
 */
const char *control_peer_actor(struct husvagt *, const struct control_peer *p,
	    const json_t *req, struct cmd_actor *a, char *msg, size_t len);

#endif
