/*
 * Alarm classes: what an alarm is, as the alarm registry, the journal's
 * alarm.<class> rows, [alarm-outputs] and the fire path know it.  A point
 * raises the class its role names (alarm_class_of_role), so the rule that
 * "panic.*" is a panic button lives here once.
 */
#ifndef HUSVAGT_ALARM_CLASS_H
#define HUSVAGT_ALARM_CLASS_H

enum alarm_class {
	ALARM_NONE,
	ALARM_FIRE,
	ALARM_PANIC,
	ALARM_DURESS,
	ALARM_TAMPER,
	ALARM_FORCED,
	ALARM_HELD,
	ALARM_FAULT,
	ALARM_OVERSTAY,
	ALARM_NCLASSES
};

/* The class an input of role raises when active: "fire" a fire, "panic.*"
 * a panic button, "tamper.*" a tamper switch; ALARM_NONE for any other. */
enum alarm_class alarm_class_of_role(const char *role);
/* The class's name ("fire", "panic", ...); "" for ALARM_NONE. */
const char	*alarm_class_name(enum alarm_class);
/* The journal type of the class's alarm ("alarm.fire", ...); NULL for
 * ALARM_NONE. */
const char	*alarm_class_type(enum alarm_class);
/* The class named name, or ALARM_NONE. */
enum alarm_class alarm_class_parse(const char *name);

#endif
