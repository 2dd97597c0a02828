/*
 * Who sends a control request.  The kernel proves the peer's uid
 * (SO_PEERCRED); the rules of control.h turn it into a staff login and
 * its roles.  Nothing here trusts anything the peer says about itself,
 * except "as" from root, who may act for a staff login as sudo does.
 */
#include <sys/socket.h>

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "husvagtd.h"

int
control_peer_identify(int fd, struct control_peer *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd pw, *res = NULL;
	char buf[1024];

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
	    len != sizeof(cred))
		return -1;
	p->uid = cred.uid;
	p->root = cred.uid == 0 || cred.uid == geteuid();
	/* Looked up once per connection, not per request. */
	if (getpwuid_r(cred.uid, &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL && strlen(pw.pw_name) <= ROLE_LOGIN_MAX)
		snprintf(p->name, sizeof(p->name), "%s", pw.pw_name);
	return 0;
}

/* Whether s is a login name: ^[a-z][a-z0-9_-]{0,31}$. */
static bool
control_login_ok(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > ROLE_LOGIN_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* Root (or the daemon's own uid) acting for the staff login in "as". */
static const char *
control_peer_as(struct husvagt *h, const struct control_peer *p,
    const json_t *as, struct cmd_actor *a, char *msg, size_t len)
{
	const char *login;

	if (!p->root) {
		snprintf(msg, len, "uid %u may not act as another login",
		    (unsigned)p->uid);
		return "not_authorised";
	}
	if (!json_is_string(as) || !control_login_ok(json_string_value(as))) {
		snprintf(msg, len, "\"as\" must be a login name matching "
		    "[a-z][a-z0-9_-]{0,31}");
		return "bad_request";
	}
	login = json_string_value(as);
	if (staff_roles_check(h, login, &a->roles) == -1) {
		snprintf(msg, len, "the staff table could not be read");
		return "error";
	}
	if (a->roles == 0) {
		snprintf(msg, len, "%s is not a husvagt staff login", login);
		return "not_authorised";
	}
	snprintf(a->login, sizeof(a->login), "%s", login);
	return NULL;
}

const char *
control_peer_actor(struct husvagt *h, const struct control_peer *p,
    const json_t *req, struct cmd_actor *a, char *msg, size_t len)
{
	const json_t *as = json_object_get(req, "as");

	memset(a, 0, sizeof(*a));
	a->via = "control";
	if (as != NULL)
		return control_peer_as(h, p, as, a, msg, len);
	if (p->root) {
		snprintf(a->login, sizeof(a->login), "root");
		a->roles = ROLE_ALL;
		return NULL;
	}
	if (p->name[0] != '\0' &&
	    staff_roles_check(h, p->name, &a->roles) == -1) {
		snprintf(msg, len, "the staff table could not be read");
		return "error";
	}
	if (a->roles == 0) {
		snprintf(msg, len, "uid %u (%s) is not a husvagt staff login",
		    (unsigned)p->uid, p->name[0] != '\0' ? p->name : "unknown");
		return "not_authorised";
	}
	snprintf(a->login, sizeof(a->login), "%s", p->name);
	return NULL;
}
