/*
 * The control socket: a Unix stream socket speaking JSON lines (one
 * request object per line, one reply per line; see cmd.h).  The actor is
 * proven by the kernel: SO_PEERCRED gives the peer's uid.
 *
 *  - uid 0 or the daemon's own uid: login "root" with every role, unless
 *    the request carries "as": LOGIN, in which case it acts as that staff
 *    login with that login's roles (root vouches for the person at the
 *    keyboard, as sudo does);
 *  - any other uid: the Unix user name, which must be a configured staff
 *    login; its roles come from the configuration.  Unknown users are
 *    refused with "not_authorised".
 */
#ifndef HUSVAGT_CONTROL_H
#define HUSVAGT_CONTROL_H

#include <poll.h>

#define CONTROL_LINE_MAX	65536	/* longest request line */
#define CONTROL_CLIENTS_MAX	32

struct control;
struct husvagt;

/* Listen at path (a stale socket is replaced), mode 0660.  NULL on error
 * (logged).  Free with control_close(). */
struct control *control_open(const char *path, struct husvagt *);
void	control_close(struct control *);
int	control_pollfds(struct control *, struct pollfd *, int max);
void	control_dispatch(struct control *, const struct pollfd *, int n);

#endif
