/*
 * The broker's password file and ACL (broker.c), changed in step with the
 * staff table by staff.c.  A change is prepared in temporary copies beside
 * the files (begin, passwd, acl), put in place by commit, and always ended
 * by drop, which removes what commit did not use.  The calls returning
 * const char * give NULL or an error code with a message in msg.
 */
#ifndef HUSVAGT_BROKER_H
#define HUSVAGT_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "role.h"

struct husvagt;

#define BROKER_USERS_MAX	256

/* What a change to the broker's files is made of. */
struct broker_change {
	char	 passwd_tmp[CONFIG_PATH_MAX + 16];
	char	 acl_tmp[CONFIG_PATH_MAX + 16];
	char	*acl_head;
	char	 reserved[BROKER_USERS_MAX][ROLE_LOGIN_MAX + 1];
	int	 nreserved;
};

/* Whether [mqtt] names the broker's password file and ACL. */
bool	 broker_managed(const struct husvagt *);
/* Read the ACL's fixed part into c (nothing when not managed). */
const char *broker_change_begin(struct husvagt *, struct broker_change *c,
	     char *msg, size_t len);
/* Whether login is taken by the broker's fixed accounts or the daemon. */
bool	 broker_reserved(const struct husvagt *, const struct broker_change *,
	     const char *login);
/* The password file's copy with login's password set (NULL: deleted). */
const char *broker_change_passwd(struct husvagt *, struct broker_change *,
	     const char *login, const char *password, char *msg, size_t len);
/* The ACL's copy from the staff table as this transaction sees it. */
const char *broker_change_acl(struct husvagt *, struct broker_change *,
	     char *msg, size_t len);
/* Put the copies in place, the password file first. */
const char *broker_change_commit(struct husvagt *, struct broker_change *,
	     char *msg, size_t len);
void	 broker_change_drop(struct broker_change *);
/* Schedule a SIGHUP to the broker (sent by broker_tick); 1 when
 * scheduled, 0 when there is no broker to signal. */
int	 broker_reload(struct husvagt *);
/* Signal the broker when a scheduled reload is due; when that is. */
void	 broker_tick(struct husvagt *, uint64_t now);
uint64_t broker_deadline(struct husvagt *);
/* At start: the broker's files made to follow the staff table. */
int	 broker_sync(struct husvagt *);

#endif
