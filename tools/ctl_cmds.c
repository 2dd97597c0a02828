/*
 * husvagtctl's commands: the words, the usage, the verb, and how the
 * positionals and options become the request's arguments.
 */
#include <stddef.h>

#include <jansson.h>

#include "ctl.h"

#define HOLDER	{ "--holder", 'a', "holder" }
#define NOOPTS	{ { NULL, 0, NULL } }

const struct ctl_cmd ctl_cmds[] = {
	{ "status", "", "status", { NULL }, 0, { { NULL, 0, NULL } },
	    NULL, ctl_show_status },
	{ "door list", "", "door.list", { NULL }, 0, { { NULL, 0, NULL } },
	    NULL, ctl_show_any },
	{ "door release", "DOOR [--hold]", "door.release", { "door" }, 1,
	    { { "--hold", 'a', "hold" } }, NULL, ctl_show_any },
	{ "door lock", "DOOR", "door.lock", { "door" }, 1,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode status", "", "mode.status", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode lockdown", "", "mode.lockdown", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode normal", "", "mode.lift", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode fire", "", "mode.fire", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode reset", "", "mode.reset", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "mode drill", "start|end", "mode.drill", { "action" }, 1,
	    { { NULL, 0, NULL } }, ctl_check_drill, ctl_show_any },
	{ "alarm list", "", "alarm.list", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "alarm ack", "ID", "alarm.ack", { "id" }, 1,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "chip enrol", "--holder stay:ID|staff:LOGIN "
	    "(--number N [--format 26|34|37] | --facility F --card C | "
	    "--reader ROLE [--timeout S]) [--zones a,b] [--from YYYY-MM-DD] "
	    "[--to YYYY-MM-DD] [--windows \"mon-fri 07:00-19:00\"] [--pin] "
	    "[--label TEXT]", "chip.enrol", { NULL }, 0, { HOLDER,
	    { "--number", 'a', "number" }, { "--format", 'a', "format" },
	    { "--facility", 'a', "facility" }, { "--card", 'a', "card" },
	    { "--reader", 'a', "reader" }, { "--timeout", 'a', "timeout" },
	    { "--zones", 'a', "zones" }, { "--from", 'a', "valid_from" },
	    { "--to", 'a', "valid_to" }, { "--windows", 'a', "windows" },
	    { "--label", 'a', "label" }, { "--pin", 'f', NULL } },
	    ctl_check_enrol, ctl_show_enrol },
	{ "chip revoke", "ID | --holder stay:ID|staff:LOGIN", "chip.revoke",
	    { "id" }, 0, { HOLDER }, ctl_check_revoke, ctl_show_any },
	{ "chip list", "[--holder stay:ID|staff:LOGIN]", "chip.list",
	    { NULL }, 0, { HOLDER }, NULL, ctl_show_any },
	{ "journal tail", "[-n N] [-f]", "journal.tail", { NULL }, 0,
	    { { "-n", 'a', "n" }, { "-f", 'f', NULL } }, NULL, ctl_show_tail },
	{ "journal export", "[--format csv|json] [--from ISO] [--to ISO] "
	    "[-o FILE [--force]]", "journal.export", { NULL }, 0, {
	    { "--format", 'a', "format" }, { "--from", 'a', "from" },
	    { "--to", 'a', "to" }, { "-o", 'v', NULL },
	    { "--force", 'f', NULL } },
	    ctl_check_export, ctl_show_export },
	{ "journal verify", "", "journal.verify", { NULL }, 0,
	    { { NULL, 0, NULL } }, NULL, ctl_show_verify },
	{ "point list", "", "point.list", { NULL }, 0, { { NULL, 0, NULL } },
	    NULL, ctl_show_any },
	{ "point get", "ROLE", "point.get", { "point" }, 1,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "point set", "ROLE 0|1 [--seconds N]", "point.set",
	    { "point", "value" }, 2, { { "--seconds", 'a', "seconds" } },
	    ctl_check_point_set, ctl_show_any },
	{ "reader install", "ROLE", "reader.install", { "point" }, 1,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "reader rotate", "ROLE", "reader.rotate", { "point" }, 1,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "staff add", "LOGIN --role staff|management|installer",
	    "staff.add", { "login" }, 1, { { "--role", 'a', "role" } },
	    ctl_check_staff_add, ctl_show_any },
	{ "staff remove", "LOGIN", "staff.remove", { "login" }, 1,
	    { { NULL, 0, NULL } }, NULL, ctl_show_any },
	{ "staff passwd", "LOGIN", "staff.passwd", { "login" }, 1,
	    { { NULL, 0, NULL } }, ctl_password, ctl_show_any },
	{ "staff list", "[--removed]", "staff.list", { NULL }, 0,
	    { { "--removed", 'a', "removed" } }, NULL, ctl_show_any },
	{ "staff on", "[LOGIN]", "staff.on", { "login" }, 0,
	    NOOPTS, NULL, ctl_show_any },
	{ "staff off", "[LOGIN]", "staff.off", { "login" }, 0,
	    NOOPTS, NULL, ctl_show_any },
	{ "staff duty", "", "staff.duty", { NULL }, 0, NOOPTS, NULL,
	    ctl_show_any },
	{ "room list", "", "room.list", { NULL }, 0, NOOPTS, NULL,
	    ctl_show_any },
	{ "stay admit", "ALIAS --room ROOM [--arrival YYYY-MM-DD] "
	    "[--adults N] [--children-0-2 N] [--children-3-5 N] "
	    "[--children-6-9 N] [--children-10-17 N] [--needs-help]",
	    "stay.admit", { "alias" }, 1, {
	    { "--room", 'a', "room" }, { "--arrival", 'a', "arrival" },
	    { "--adults", 'a', "adults" },
	    { "--children-0-2", 'a', "children_0_2" },
	    { "--children-3-5", 'a', "children_3_5" },
	    { "--children-6-9", 'a', "children_6_9" },
	    { "--children-10-17", 'a', "children_10_17" },
	    { "--needs-help", 'a', "needs_help" } }, NULL, ctl_show_any },
	{ "stay discharge", "ID [--date YYYY-MM-DD]", "stay.discharge",
	    { "id" }, 1, { { "--date", 'a', "date" } }, NULL, ctl_show_any },
	{ "stay move", "ID ROOM", "stay.move", { "id", "room" }, 2, NOOPTS,
	    NULL, ctl_show_any },
	{ "stay list", "[--all]", "stay.list", { NULL }, 0,
	    { { "--all", 'a', "all" } }, NULL, ctl_show_any },
	{ "enquiry record", "--outcome no_room|not_target|referred|offered|"
	    "asked_about_resident|other [--description TEXT]",
	    "enquiry.record", { NULL }, 0, {
	    { "--outcome", 'a', "outcome" },
	    { "--description", 'a', "description" } }, NULL, ctl_show_any },
	{ "report occupancy", "--from YYYY-MM-DD --to YYYY-MM-DD "
	    "[--format table|csv|json]", "report.occupancy", { NULL }, 0, {
	    { "--from", 'a', "from" }, { "--to", 'a', "to" },
	    { "--format", 'v', NULL } }, ctl_check_occupancy,
	    ctl_show_occupancy },
	{ "report safety", "--from YYYY-MM-DD --to YYYY-MM-DD "
	    "[--format table|csv|html] [-o FILE [--force]]", "report.safety",
	    { NULL }, 0, { { "--from", 'a', "from" }, { "--to", 'a', "to" },
	    { "--format", 'v', NULL }, { "-o", 'v', NULL },
	    { "--force", 'f', NULL } },
	    ctl_check_safety, ctl_show_safety },
	{ "guest agree", "STAY GUEST --relation family|friend|professional|"
	    "other [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--windows W] "
	    "[--resident-areas] [--escort]", "guest.agree",
	    { "stay", "guest" }, 2, {
	    { "--relation", 'a', "relation" }, { "--from", 'a', "from" },
	    { "--to", 'a', "to" }, { "--windows", 'a', "windows" },
	    { "--resident-areas", 'a', "resident_areas" },
	    { "--escort", 'a', "escort" } }, NULL, ctl_show_any },
	{ "guest list", "[--stay ID] [--ended]", "guest.list", { NULL }, 0,
	    { { "--stay", 'a', "stay" }, { "--ended", 'a', "ended" } }, NULL,
	    ctl_show_any },
	{ "guest end", "ID", "guest.end", { "id" }, 1, NOOPTS, NULL,
	    ctl_show_any },
	{ "guest block", "NAME [--description TEXT]", "guest.block",
	    { "name" }, 1, { { "--description", 'a', "description" } }, NULL,
	    ctl_show_any },
	{ "guest unblock", "ID", "guest.unblock", { "id" }, 1, NOOPTS, NULL,
	    ctl_show_any },
	{ "guest list-blocked", "", "guest.blocked", { NULL }, 0, NOOPTS,
	    NULL, ctl_show_any },
	{ "guest evaluate", "--door DOOR --guest NAME [--stay ID]",
	    "guest.evaluate", { NULL }, 0, { { "--door", 'a', "door" },
	    { "--guest", 'a', "guest" }, { "--stay", 'a', "stay" } }, NULL,
	    ctl_show_any },
	{ "guest admit", "--door DOOR --guest NAME [--stay ID] "
	    "[--reason TEXT]", "guest.admit", { NULL }, 0, {
	    { "--door", 'a', "door" }, { "--guest", 'a', "guest" },
	    { "--stay", 'a', "stay" }, { "--reason", 'a', "reason" } }, NULL,
	    ctl_show_any },
	{ "guest refuse", "--door DOOR [--guest NAME] [--stay ID] "
	    "[--reason TEXT]", "guest.refuse", { NULL }, 0, {
	    { "--door", 'a', "door" }, { "--guest", 'a', "guest" },
	    { "--stay", 'a', "stay" }, { "--reason", 'a', "reason" } }, NULL,
	    ctl_show_any },
	{ "guest checkout", "VISIT", "guest.checkout", { "visit" }, 1,
	    NOOPTS, NULL, ctl_show_any },
	{ "guest inside", "", "guest.inside", { NULL }, 0, NOOPTS, NULL,
	    ctl_show_any },
	{ "evac status", "", "evac.status", { NULL }, 0, NOOPTS, NULL,
	    ctl_show_any },
	{ "evac account", "ROOM|visit:ID|staff:LOGIN", "evac.account",
	    { "who" }, 1, NOOPTS, NULL, ctl_show_any },
	{ "evac unaccount", "ROOM|visit:ID|staff:LOGIN", "evac.unaccount",
	    { "who" }, 1, NOOPTS, NULL, ctl_show_any },
	{ "evac close", "", "evac.close", { NULL }, 0, NOOPTS, NULL,
	    ctl_show_any },
	{ NULL, NULL, NULL, { NULL }, 0, { { NULL, 0, NULL } }, NULL, NULL }
};
