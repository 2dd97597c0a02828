/*
 * Alarm classes by name and by the role of the point that raises them.
 */
#include <string.h>

#include "alarm_class.h"

static const struct {
	const char	*name;
	const char	*type;
} alarm_classes[ALARM_NCLASSES] = {
	[ALARM_NONE] =		{ "", NULL },
	[ALARM_FIRE] =		{ "fire", "alarm.fire" },
	[ALARM_PANIC] =		{ "panic", "alarm.panic" },
	[ALARM_DURESS] =	{ "duress", "alarm.duress" },
	[ALARM_TAMPER] =	{ "tamper", "alarm.tamper" },
	[ALARM_FORCED] =	{ "forced", "alarm.forced" },
	[ALARM_HELD] =		{ "held", "alarm.held" },
	[ALARM_FAULT] =		{ "fault", "alarm.fault" },
	[ALARM_OVERSTAY] =	{ "overstay", "alarm.overstay" },
};

/* Does role start with prefix and then a dot and a name? */
static int
alarm_class_prefixed(const char *role, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(role, prefix, n) == 0 && role[n] == '.';
}

enum alarm_class
alarm_class_of_role(const char *role)
{
	if (!strcmp(role, "fire"))
		return ALARM_FIRE;
	if (alarm_class_prefixed(role, "panic"))
		return ALARM_PANIC;
	if (alarm_class_prefixed(role, "tamper"))
		return ALARM_TAMPER;
	return ALARM_NONE;
}

const char *
alarm_class_name(enum alarm_class c)
{
	return (unsigned)c < ALARM_NCLASSES ? alarm_classes[c].name : "";
}

const char *
alarm_class_type(enum alarm_class c)
{
	return (unsigned)c < ALARM_NCLASSES ? alarm_classes[c].type : NULL;
}

enum alarm_class
alarm_class_parse(const char *name)
{
	int c;

	for (c = ALARM_NONE + 1; c < ALARM_NCLASSES; c++)
		if (!strcmp(alarm_classes[c].name, name))
			return (enum alarm_class)c;
	return ALARM_NONE;
}
