/*
 * Role names and bits, shared by the site configuration, the staff table
 * and the verb table.
 */
#include <string.h>

#include "role.h"

unsigned
role_parse(const char *name)
{
	if (!strcmp(name, "staff"))
		return ROLE_STAFF;
	if (!strcmp(name, "management"))
		return ROLE_MANAGEMENT;
	if (!strcmp(name, "installer"))
		return ROLE_INSTALLER;
	return 0;
}

const char *
role_name(unsigned roles)
{
	if (roles & ROLE_MANAGEMENT)
		return "management";
	if (roles & ROLE_INSTALLER)
		return "installer";
	if (roles & ROLE_STAFF)
		return "staff";
	return "";
}
