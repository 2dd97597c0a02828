/*
 * The house: the daemon's one struct husvagt (the site, its doors, its
 * store) and the functions of the parts that say what happens when a wire
 * speaks or a verb acts.  Nothing here knows the verbs, the control socket
 * or MQTT: they sit above and register hooks (struct house_hooks).
 */
#ifndef HUSVAGT_HOUSE_H
#define HUSVAGT_HOUSE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "role.h"
#include "config.h"
#include "door.h"
#include "hal.h"
#include "journal_anchor.h"
#include "keys.h"
#include "lockout.h"
#include "mode.h"

#define HUSVAGT_VERSION "0.1.0"

struct journal;
struct control;	/* the daemon's, opaque here */
struct mqtt;	/* the daemon's, opaque here */
struct work;	/* the daemon's, opaque here */

/* A door at run time: its configuration, its points, its state. */
struct door_rt {
	char			 name[CONFIG_NAME_MAX];
	const struct site_door	*cfg;
	struct door_cfg		 fsm;
	struct door_state	 st;
	uint64_t		 deadline;
	int			 p_lock, p_contact, p_rex, p_reader,
				 p_reader_out, p_intercom;
	struct guess		 lockout;	/* unknown cards at its reader(s) */
	bool			 mode_hold;	/* held by a fire or a drill
						   (mode_run.c), not a command */
	/* chip + PIN: a card waiting for its PIN */
	int64_t			 pin_cred;	/* credential waiting; 0 none */
	uint64_t		 pin_until;
	char			 pin_buf[12];
	int			 pin_len;
};

/* Enrol-by-presenting: armed per reader by chip.enrol with "reader". */
struct enrol_slot {
	int		 point;		/* reader point; -1 when unused */
	uint64_t	 until;
	json_t		*args;		/* the enrol arguments, owned */
	char		 actor[ROLE_LOGIN_MAX + 1];
	char		 state[16];	/* waiting, enrolled, timeout, failed,
					   cancelled */
	int64_t		 id;
	char		 error[64];
	uint64_t	 conn;		/* the connection waiting; 0: none */
};

#define ENROL_SLOTS	4
#define PULSES_MAX	8

/* An installer's timed test of an output (point.set). */
struct pulse {
	int		 point;		/* -1 when unused */
	int		 restore;	/* value to put back */
	uint64_t	 until;
};

/*
 * What the house tells the daemon's outer parts (the MQTT bridge): set by
 * the one that listens (mqtt_open), cleared when it goes; a NULL member is
 * not called.
 */
struct house_hooks {
	/* Something published as state may have changed. */
	void		(*state_changed)(void *arg);
	/* Add the listener's own fields to a status reply. */
	void		(*status)(void *arg, json_t *status);
	void		 *arg;
};

/* A reader's key install or rotation under way (reader_osdp.c). */
struct reader_install {
	int		 point;
	uint8_t		 key[16];	/* the key being given; wiped after */
	char		 actor[ROLE_LOGIN_MAX + 1];
	bool		 rotate;
	uint64_t	 until;		/* the window's end; 0: no install */
};

#define READER_INSTALL_MS	60000	/* the install window */
#define READER_INSTALL_GRACE_MS	2000	/* a KEYSET's answer after it */

/*
 * Long work run off the loop (daemon/work.c sets the hook; without it the
 * verbs run it inline).  verify: start, or join, a journal verification
 * whose result the caller gets later (a deferred reply, cmd.h); the job's
 * id, or -1 when too many wait (the caller answers "busy").  export: the
 * same for a journal export ("csv" or "json", from and to may be NULL)
 * asked for by login, which the daemon journals when it is done.
 * report: the safety report (report.safety), which reads a year of the
 * journal.
 */
struct work_hooks {
	int64_t		(*verify)(void *arg);
	int64_t		(*exporter)(void *arg, const char *format,
			    const char *from, const char *to, const char *login);
	/* report: the same for the safety report of from..to (dates the
	 * caller checked, YYYY-MM-DD). */
	int64_t		(*reporter)(void *arg, const char *from, const char *to);
	void		 *arg;
};

struct journal_text;

struct husvagt {
	struct site_config	 cfg;
	struct board		 board;
	struct keys		 keys;
	sqlite3			*db;
	struct journal		*journal;
	struct journal_anchor	 anchor;	/* the head outside the db */
	char			 anchor_broken[ANCHOR_REASON_MAX];
						/* found at start; "" none */
	struct hal		*hal;
	struct control		*control;
	struct mqtt		*mqtt;		/* NULL: [mqtt] enabled = no */
	struct work		*worker;	/* NULL: long work inline */
	struct work_hooks	 work;
	struct door_rt		*doors;
	int			 ndoors;
	struct enrol_slot	 enrol[ENROL_SLOTS];
	struct lockout_cfg	 lockout_cfg;
	struct pin_policy	 pin_policy;
	struct pulse		 pulses[PULSES_MAX];
	struct reader_install	 install;	/* reader_osdp.c */
	uint64_t		 flush_retry_at;	/* retry failed writes */
	uint64_t		 broker_reload_at;	/* broker.c: HUP due */
	struct mode_state	 mode;		/* mode_run.c */
	struct house_hooks	 hooks;
	int64_t			 ncreds;	/* live credentials: counted at
						   start, kept by enrol/revoke so
						   status never scans the table */
	uint64_t		 started_ms;
	bool			 stopping;
	bool			 reload;
	/* daemon.c: the last reload found the configuration or the board
	 * file broken (a "fault" alarm at point "config" until a reload
	 * loads); a reload loaded a board file that needs a restart. */
	bool			 config_fault;
	bool			 restart_needed;
	/* daemon/loop.c: the most CPU time one loop turn's work took, in
	 * this window of LOOP_WINDOW_MS and the one before (status). */
	uint64_t		 turn_cpu_us[2];
	uint64_t		 turn_window_at;
};

/* house.c: the services of every part */
/* Append a row to the journal (detail is taken over); its seq or -1. */
int64_t	 house_journal(struct husvagt *, const char *type, const char *point,
	     const char *actor, const char *subject, json_t *detail_stolen);
/* The same with staff's free text t (may be NULL) kept beside the row,
 * never in it (journal.h, struct journal_text). */
int64_t	 house_journal_text(struct husvagt *, const char *type,
	     const char *point, const char *actor, const char *subject,
	     json_t *detail_stolen, const struct journal_text *t);
/* The journal's storage: {"ok", "queued", "lost"} and, while rows cannot
 * be written, "fault": "storage", "since" and "error".  New ref. */
json_t	*house_storage_json(struct husvagt *);
/* Write queued outputs; a failure is retried from house_flush_tick. */
void	 house_flush(struct husvagt *, uint64_t now);
/* Tell the hooks that state may have changed; let them add to status. */
void	 house_state_changed(struct husvagt *);
void	 house_status(struct husvagt *, json_t *status);
/*
 * Timers.  Each part with a timer has a tick (run what is due at now) and
 * a deadline (the earliest time it wants to run; 0: none), and one line in
 * the loop's table of timers (daemon/loop.c).
 */
void	 house_flush_tick(struct husvagt *, uint64_t now);
uint64_t house_flush_deadline(struct husvagt *);

/* doors.c: the doors at run time */
/* The doors' timers (their state machines' deadlines). */
void	 doors_tick(struct husvagt *, uint64_t now);
uint64_t doors_deadline(struct husvagt *);
/* Build the doors' run-time state from the configuration and the contacts
 * as the HAL found them; no output is written.  0 or -1 (out of memory). */
int	 doors_build(struct husvagt *, uint64_t now);
/* After a reload built the new doors: keep the state of doors in both;
 * engage the lock of doors the new configuration no longer has. */
void	 doors_carry(struct husvagt *, struct door_rt *old, int nold);
void	 doors_removed(struct husvagt *, struct door_rt *old, int nold);
/* Reader lockout from the site's defaults. */
void	 doors_lockout_cfg(struct husvagt *);
/* Whether every door's and alarm output's points exist on the board with
 * the right kind; 0 or -1 with the errors in diag. */
int	 doors_check(const struct site_config *, const struct board *,
	     struct diag *);
void	 doors_apply_lock(struct husvagt *, struct door_rt *);
int	 doors_apply_all(struct husvagt *);
struct door_rt *doors_find(struct husvagt *, const char *name);
/* Feed one door event, apply outputs, journal the records. */
void	 doors_event(struct husvagt *, struct door_rt *,
	     enum door_input, const char *actor, uint64_t now);

/* events.c: what happens when a wire speaks */
void	 events_hal(void *arg, const struct hal_event *);
/* Raise the alarms of loops and alarm inputs already active at start. */
void	 events_at_start(struct husvagt *, uint64_t now);

/* reader_osdp.c: readers that hold a key (OSDP Secure Channel) */
/* Give every reader with a stored key its key: from then on enforced. */
void	 reader_osdp_start(struct husvagt *);
/* A reader's news (HAL_EV_READER). */
void	 reader_osdp_event(struct husvagt *, const struct hal_event *);
/*
 * Open the install window of a reader point: a fresh key is given to it
 * (rotate: it holds one already).  0, or -1 with err set.
 */
int	 reader_osdp_install(struct husvagt *, int point, const char *actor,
	     bool rotate, char *err, size_t errlen);
void	 reader_osdp_tick(struct husvagt *, uint64_t now);
uint64_t reader_osdp_deadline(struct husvagt *);

/* reader.c */
void	 reader_card(struct husvagt *, const struct hal_event *);
void	 reader_key(struct husvagt *, const struct hal_event *);
void	 reader_bad_frame(struct husvagt *, const struct hal_event *);
void	 reader_tick(struct husvagt *, uint64_t now);
uint64_t reader_deadline(struct husvagt *);
/* Arm enrol-by-presenting at a reader; args are kept (a new reference is
 * taken).  Returns the slot or NULL when all are busy. */
struct enrol_slot *reader_enrol_arm(struct husvagt *, int point,
	     const json_t *args, const char *actor, uint64_t now);
struct enrol_slot *reader_enrol_find(struct husvagt *, int point);
/* Connection conn closed: cancel the enrolments it was waiting for. */
void	 reader_enrol_abandon(struct husvagt *, uint64_t conn);

/* mode_run.c */
/* Give the mode machine one input: journal mode.changed, keep the
 * lockdown, hold or unhold the egress doors.  Returns mode_step's
 * answer; MODE_E_OK when something changed. */
enum mode_err mode_run_input(struct husvagt *, enum mode_input,
	     enum mode_actor, const char *actor, const char *point);
/* The mode and its latches, for mode.status and state/mode.  New ref. */
json_t	*mode_run_json(const struct husvagt *);
/* At start, before any lock is written: fire from the input, a kept
 * lockdown from the settings table. */
void	 mode_run_at_start(struct husvagt *);
/* After a reload: egress doors new to the configuration join a fire
 * (or a drill that releases them). */
void	 mode_run_reloaded(struct husvagt *);

/* pulse.c: an installer's timed test of an output (point.set) */
/* Set a non-lock output for secs seconds, then put it back. */
int	 pulse_set(struct husvagt *, int point, int value, int secs,
	     const char *actor);
void	 pulse_init(struct husvagt *);
void	 pulse_tick(struct husvagt *, uint64_t now);
uint64_t pulse_deadline(struct husvagt *);

/* staff.c */
/* Staff logins kept in the staff table and in the broker's password file
 * and ACL ([mqtt] passwd_path, acl_path; broker.h).  The operations return
 * NULL or an error code with a message in msg; *reloaded says whether the
 * broker was signalled to reread its files. */
bool	 staff_login_ok(const char *login);
/* Roles of a staff login: the configuration's [staff] and the staff
 * table's live logins (staff.c); 0 if unknown. */
unsigned staff_roles_of(const struct husvagt *, const char *login);
/* The same for a decision: 0, or -1 when the staff table cannot be read
 * (roles 0, a fault raised): the caller denies with reason "error". */
int	 staff_roles_check(struct husvagt *, const char *login,
	     unsigned *roles);
const char *staff_add(struct husvagt *, const char *login, const char *role,
	     const char *password, bool *reloaded, char *msg, size_t len);
const char *staff_remove(struct husvagt *, const char *login, bool *reloaded,
	     char *msg, size_t len);
const char *staff_passwd(struct husvagt *, const char *login,
	     const char *password, bool *reloaded, char *msg, size_t len);
/* Live logins (all when removed), then the configuration's [staff]. */
json_t	*staff_list(struct husvagt *, bool removed);

/* alarm.c */
/* The registry of open alarms, kept in the database.  Classes: fire,
 * panic, duress, tamper, forced, held, fault.  alarm_raise returns the
 * alarm's id (the open one of the same class and point if there is one;
 * physical: its cause is present until alarm_cause_cleared) or -1. */
int64_t	 alarm_raise(struct husvagt *, const char *cls, const char *point,
	     bool physical);
void	 alarm_cause_cleared(struct husvagt *, const char *cls,
	     const char *point);
/* A security check could not read the database (check: "credential",
 * "blocklist", "role"): log, journal alarm.fault and raise the fault
 * alarm at point "database".  The caller denies with reason "error". */
void	 alarm_check_failed(struct husvagt *, const char *check);
/* Acknowledge (journals alarm.acknowledged); NULL or an error code. */
const char *alarm_ack(struct husvagt *, int64_t id, const char *actor);
/* [{id, class, point, since, cause_active, acked}].  New ref. */
json_t	*alarm_list_json(struct husvagt *);
void	 alarm_at_start(struct husvagt *);

/* register.c (the anonymous register: rooms, stays, enquiries) */
/* At start and after a reload: the room table follows [room X]. */
int	 register_rooms_sync(struct husvagt *);
/* The daily retention job; its deadline (0: none). */
void	 register_tick(struct husvagt *, uint64_t now);
uint64_t register_deadline(struct husvagt *);
/* Anonymous counts for state/occupancy (rooms, occupied, free single /
 * double, adults, children).  New ref. */
json_t	*register_occupancy_json(struct husvagt *);
/* The vacancy figure counted now, labelled as of wall time at: free
 * rooms and places, children and their ages, an accessible room.  New
 * ref, NULL on a database error. */
json_t	*register_vacancy_json(struct husvagt *, time_t at);
/* The vacancy payload to publish at wall time now_ms (milliseconds since
 * the epoch): recounted only when now has entered a publication interval
 * later than the last count ([vacancy] interval, at its multiples since
 * the epoch), kept across restarts; NULL when none could be made.  The
 * text is the register's. */
const char *register_vacancy(struct husvagt *, uint64_t now_ms);
/* The monotonic time at which the next interval starts (as of the last
 * register_vacancy call; 0 before it). */
uint64_t register_vacancy_due(void);

/* guest.c (agreements, blocklist, visits) */
/* Overstay: open visits past their limit or the visiting hours raise
 * the overstay alarm; its deadline (0: none). */
void	 guest_tick(struct husvagt *, uint64_t now);
uint64_t guest_deadline(struct husvagt *);

/* evac.c (the evacuation roll call) */
/* After the mode moved from old: a fire or a drill opens an evacuation
 * record (fire taking over a drill's record). */
void	 evac_mode_changed(struct husvagt *, const struct mode_state *old,
	     const char *actor);
/* At start: the open record is published again. */
void	 evac_at_start(struct husvagt *);
/* The live roll call for the retained state/evacuation topic: rooms by
 * number and counts, never an alias.  New ref. */
json_t	*evac_state_json(struct husvagt *);

/* alarm_out.c: outputs held on while an alarm of their classes is open
 * ([alarm-outputs]); called after any alarm opens or closes. */
void	 alarm_outputs_update(struct husvagt *);
/* Before a reload takes nc: outputs it no longer names are switched off. */
void	 alarm_outputs_reload(struct husvagt *, const struct site_config *nc);

#endif
