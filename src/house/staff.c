/*
 * Staff logins kept by husvagtd (husvagtctl staff add|remove|passwd|list):
 * a row per login and role in the staff table (staff_table.c), and, where
 * the site's [mqtt] section names them, the broker's password file and ACL
 * changed in the same step (broker.c).  The [staff] logins of the
 * configuration stay as bootstrap logins beside them (staff_roles_of
 * takes both).
 */
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "clock.h"
#include "db.h"
#include "house.h"
#include "staff_table.h"

bool
staff_login_ok(const char *s)
{
	size_t len = strlen(s);

	if (len < 1 || len > ROLE_LOGIN_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/*
 * One change: a statement on the staff table and the broker's files in
 * step.  The password file is prepared first (its copy, with the new
 * hash), then the table changes and the ACL is made
 * from it, the files are put in place and the transaction commits.
 */
static const char *
staff_change(struct husvagt *h, staff_table_op *op, const char *login,
    const char *role, bool passwd_change, const char *password,
    bool *reloaded, char *msg, size_t len)
{
	struct broker_change c;
	const char *err;
	int n;

	*reloaded = false;
	if ((err = broker_change_begin(h, &c, msg, len)) != NULL)
		return err;
	if (broker_managed(h) && passwd_change &&
	    (err = broker_change_passwd(h, &c, login, password, msg,
	    len)) != NULL)
		goto out;
	if (op == NULL) {
		if ((err = broker_change_commit(h, &c, msg, len)) == NULL)
			goto reload;
		goto out;
	}
	if (db_exec(h->db, "BEGIN IMMEDIATE") == -1) {
		err = "failed";
		snprintf(msg, len, "the database is busy");
		goto out;
	}
	if ((n = op(h->db, login, role, (int64_t)clock_wall())) != 1) {
		err = n == 0 ? "not_found" : "failed";
		snprintf(msg, len, n == 0 ? "no staff login '%s'" :
		    "the database refused the change of '%s'", login);
		goto rollback;
	}
	if (broker_managed(h) &&
	    ((err = broker_change_acl(h, &c, msg, len)) != NULL ||
	    (err = broker_change_commit(h, &c, msg, len)) != NULL))
		goto rollback;
	if (db_exec(h->db, "COMMIT") == -1) {
		err = "failed";
		snprintf(msg, len, "the database refused the change of '%s'",
		    login);
		goto rollback;
	}
reload:
	*reloaded = broker_reload(h) == 1;
	err = NULL;
	goto out;
rollback:
	db_exec(h->db, "ROLLBACK");
out:
	broker_change_drop(&c);
	return err;
}

/* Whether login is live in the table. */
static bool
staff_exists(struct husvagt *h, const char *login)
{
	return staff_table_roles(h->db, login) != 0;
}

/* The configuration's [staff] (bootstrap logins) and the staff table's
 * live logins (husvagtctl staff add) together. */
unsigned
staff_roles_of(const struct husvagt *h, const char *login)
{
	unsigned roles = 0;
	int i;

	for (i = 0; i < h->cfg.nstaff; i++)
		if (!strcmp(h->cfg.staff[i].login, login))
			roles |= h->cfg.staff[i].roles;
	return roles | staff_table_roles(h->db, login);
}

int
staff_roles_check(struct husvagt *h, const char *login, unsigned *roles)
{
	unsigned table;
	int i;

	*roles = 0;
	if (staff_table_roles_get(h->db, login, &table) == -1) {
		alarm_check_failed(h, "role");
		return -1;
	}
	for (i = 0; i < h->cfg.nstaff; i++)
		if (!strcmp(h->cfg.staff[i].login, login))
			*roles |= h->cfg.staff[i].roles;
	*roles |= table;
	return 0;
}

/* Refuse a password the broker's file cannot take whole. */
static const char *
staff_password_check(const char *password, char *msg, size_t len)
{
	size_t n = strlen(password);
	const char *p;

	if (n < ROLE_PASSWORD_MIN || n > ROLE_PASSWORD_MAX) {
		snprintf(msg, len, "a password is %d to %d characters",
		    ROLE_PASSWORD_MIN, ROLE_PASSWORD_MAX);
		return "bad_password";
	}
	for (p = password; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(msg, len, "a password has no control "
			    "characters");
			return "bad_password";
		}
	return NULL;
}

const char *
staff_add(struct husvagt *h, const char *login, const char *role,
    const char *password, bool *reloaded, char *msg, size_t len)
{
	struct broker_change c;
	const char *err;
	bool reserved;

	*reloaded = false;
	if (!staff_login_ok(login)) {
		snprintf(msg, len, "a login is 1 to %d characters: a lower-case "
		    "letter, then letters, digits, '-' or '_'", ROLE_LOGIN_MAX);
		return "bad_login";
	}
	if (role_parse(role) == 0) {
		snprintf(msg, len, "role must be staff, management or "
		    "installer");
		return "bad_role";
	}
	if ((err = staff_password_check(password, msg, len)) != NULL)
		return err;
	if ((err = broker_change_begin(h, &c, msg, len)) != NULL)
		return err;
	reserved = broker_reserved(h, &c, login);
	broker_change_drop(&c);
	if (reserved) {
		snprintf(msg, len, "'%s' is one of the broker's own accounts",
		    login);
		return "reserved";
	}
	if (staff_exists(h, login)) {
		snprintf(msg, len, "'%s' is already a staff login (remove it "
		    "first to change its role)", login);
		return "exists";
	}
	return staff_change(h, staff_table_add, login, role, true, password,
	    reloaded, msg, len);
}

const char *
staff_remove(struct husvagt *h, const char *login, bool *reloaded,
    char *msg, size_t len)
{
	*reloaded = false;
	if (!staff_login_ok(login) || !staff_exists(h, login)) {
		snprintf(msg, len, "no staff login '%.40s'", login);
		return "not_found";
	}
	return staff_change(h, staff_table_remove, login, NULL, true, NULL,
	    reloaded, msg, len);
}

const char *
staff_passwd(struct husvagt *h, const char *login, const char *password,
    bool *reloaded, char *msg, size_t len)
{
	const char *err;

	*reloaded = false;
	if (!staff_login_ok(login) || !staff_exists(h, login)) {
		snprintf(msg, len, "no staff login '%.40s' (a login of the "
		    "configuration's [staff] needs staff add first)", login);
		return "not_found";
	}
	if ((err = staff_password_check(password, msg, len)) != NULL)
		return err;
	if (!broker_managed(h)) {
		snprintf(msg, len, "the [mqtt] section names no broker "
		    "password file (passwd_path, acl_path)");
		return "not_configured";
	}
	return staff_change(h, NULL, login, NULL, true, password, reloaded,
	    msg, len);
}

json_t *
staff_list(struct husvagt *h, bool removed)
{
	json_t *list;
	int i;

	if ((list = staff_table_list(h->db, removed)) == NULL)
		return NULL;
	for (i = 0; i < h->cfg.nstaff; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:n, "
		    "s:n}", "login", h->cfg.staff[i].login,
		    "role", role_name(h->cfg.staff[i].roles),
		    "source", "config", "created_at", "removed_at"));
	return list;
}
