/*
 * The verbs' own functions, named by cmd_schema.c's table.  Each
 * function gets arguments that already passed the schema and an actor
 * whose role may run it, and returns a reply made with cmd_ok() or
 * cmd_error().
 */
#ifndef HUSVAGT_CMD_VERBS_H
#define HUSVAGT_CMD_VERBS_H

#include <stdbool.h>

#include <jansson.h>

#include "cmd.h"
#include "cmd_schema.h"

/* A success reply around result (stolen; NULL: an empty object). */
json_t	*cmd_ok(json_t *result);

/* cmd_door.c */
cmd_fn	 cmd_status, cmd_door_list, cmd_door_release, cmd_door_lock;
cmd_fn	 cmd_point_list, cmd_point_get, cmd_point_set;
/* cmd_chip.c */
cmd_fn	 cmd_chip_enrol, cmd_chip_enrol_status, cmd_chip_revoke,
	 cmd_chip_list;
/* cmd_journal.c */
cmd_fn	 cmd_journal_tail, cmd_journal_rows, cmd_journal_export,
	 cmd_journal_verify;
/* cmd_mode.c */
cmd_fn	 cmd_mode_status, cmd_mode_lockdown, cmd_mode_lift, cmd_mode_fire,
	 cmd_mode_reset, cmd_mode_drill;
cmd_fn	 cmd_alarm_list, cmd_alarm_ack;
/* cmd_staff.c */
cmd_fn	 cmd_staff_add, cmd_staff_remove, cmd_staff_passwd, cmd_staff_list;
/* cmd_stay.c (the register) */
cmd_fn	 cmd_room_list, cmd_stay_admit, cmd_stay_discharge, cmd_stay_move,
	 cmd_stay_list, cmd_enquiry_record, cmd_report_occupancy;
/* cmd_guest.c (guests and the intercom) */
cmd_fn	 cmd_guest_agree, cmd_guest_list, cmd_guest_end, cmd_guest_block,
	 cmd_guest_unblock, cmd_guest_blocked, cmd_guest_evaluate,
	 cmd_guest_admit, cmd_guest_refuse, cmd_guest_checkout,
	 cmd_guest_inside;
/* cmd_evac.c (duty and the roll call) */
cmd_fn	 cmd_staff_on, cmd_staff_off, cmd_staff_duty, cmd_evac_status,
	 cmd_evac_account, cmd_evac_unaccount, cmd_evac_close;
/* cmd_reader.c (OSDP readers' keys) */
cmd_fn	 cmd_reader_install, cmd_reader_rotate;
/* cmd_report.c (the safety report) */
cmd_fn	 cmd_report_safety;

#endif
