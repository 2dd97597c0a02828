/*
 * Staff roles: what a login may do.  A login has a set of roles, kept as
 * bits so that a verb's table entry can name every role it admits.
 */
#ifndef HUSVAGT_ROLE_H
#define HUSVAGT_ROLE_H

enum role {
	ROLE_STAFF	= 0x1u,
	ROLE_MANAGEMENT	= 0x2u,
	ROLE_INSTALLER	= 0x4u,
	ROLE_ALL	= ROLE_STAFF | ROLE_MANAGEMENT | ROLE_INSTALLER
};

/* The longest staff login (a journal actor). */
#define ROLE_LOGIN_MAX	32
/* A staff login's password, as the broker's password file takes it. */
#define ROLE_PASSWORD_MIN	12
#define ROLE_PASSWORD_MAX	128

/* Role bits of a role name ("staff", "management", "installer"); 0 if
 * unknown. */
unsigned	 role_parse(const char *name);
/* The name of the strongest role in roles (management, installer, then
 * staff); "" for none. */
const char	*role_name(unsigned roles);

#endif
