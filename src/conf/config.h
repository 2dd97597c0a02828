/*
 * The site configuration (/etc/husvagt/husvagt.conf, INI): the site's
 * name and paths, door timings and zones, reader rules and staff logins.
 * Wires are not here: they are the board file's (hal/board.h).
 *
 *   [site]
 *   name = villa                 ; MQTT topic root husvagt/<name>/
 *   timezone = Europe/Copenhagen
 *   board = board.ini            ; relative to this file's folder
 *   state_dir = /var/lib/husvagt ; database, device key, sim wires
 *   control_socket = /run/husvagt/control.sock
 *   sim_socket = /run/husvagt/sim.sock
 *
 *   [defaults]                   ; for every door unless it says otherwise
 *   release_s = 5
 *   held_warning_s = 30
 *   held_s = 60
 *   lockout_failures = 5
 *   lockout_window_s = 30
 *   lockout_s = 30
 *   lockout_max_s = 3600
 *   pin_free_tries = 3
 *   pin_delay_s = 30
 *   pin_delay_max_s = 3600
 *   pin_alarm_after = 3
 *   pin_timeout_s = 10
 *   duress = yes                 ; PIN with last digit + 1 raises duress
 *   drill_release = no           ; a drill holds egress doors released
 *   enrol_timeout_s = 60
 *
 *   [door front]
 *   zone = entrance
 *   egress = yes                 ; released in fire mode
 *   pin = yes                    ; the reader asks chip + PIN
 *   forced_alarm = yes
 *   release_s, held_warning_s, held_s = as in [defaults]
 *
 *   [staff]
 *   anna = staff
 *   leder = management
 *
 *   [room 101]                   ; a resident room (config_register.c)
 *   floor = 1
 *   corridor = corridor-1        ; the zone of her corridor door
 *   zone = room-101              ; default: room-<name>
 *   beds = 2
 *   type = double                ; single | double
 *   child_friendly = yes
 *   accessible = no              ; step-free, for a wheelchair
 *
 *   [guests]                     ; the house guest rules (DESIGN 6)
 *   visiting_hours = mon-sun 10:00-20:00   ; access_windows_parse() text
 *   max_visit_min = 180
 *   max_guests = 2               ; per resident at once
 *   areas = common               ; zones a visitor may enter
 *   without_agreement = no       ; may staff admit a guest without one
 *
 *   [register]
 *   retention_days = 30          ; alias and guest names erased after
 *
 *   [alarm-outputs]              ; output point role = alarm classes
 *   siren = fire, panic, forced
 *   transmitter = panic, duress, fire
 *
 *   [console]                    ; the staff console (docs/console.md)
 *   idle_min = 15                ; log out after this many idle minutes
 *
 *   [vacancy]                    ; the anonymous vacancy topic
 *   interval = 4h                ; recounted at most this often
 *   children = yes               ; the house takes children
 *   child_ages = 0-17
 *
 *   [mqtt]                       ; the bridge to the local Mosquitto
 *   enabled = yes
 *   host = 127.0.0.1             ; husvagtd's own loopback listener
 *   port = 1883
 *   username = husvagtd
 *   password_file = /etc/husvagt/mqtt.secret   ; mode 0600, one line
 *   ca_file =                    ; set to use TLS to the broker
 *   keepalive_s = 30
 *   home_assistant = no          ; Home Assistant discovery topics
 *   passwd_path = /etc/husvagt/mqtt/accounts/passwd ; the broker's files that
 *   acl_path = /etc/husvagt/mqtt/accounts/acl ; husvagtctl staff keeps
 *   broker_pid_file = /run/mosquitto/mosquitto.pid  ; SIGHUP after a change
 */
#ifndef HUSVAGT_CONFIG_H
#define HUSVAGT_CONFIG_H

#include <stdbool.h>

#include "diag.h"

#define CONFIG_NAME_MAX		64
#define CONFIG_PATH_MAX		512
#define CONFIG_DOORS_MAX	64
#define CONFIG_STAFF_MAX	64
#define CONFIG_ROOMS_MAX	64
#define CONFIG_ROOM_NAME_MAX	16
#define CONFIG_ALARM_OUTS_MAX	8

struct site_door {
	char	 name[CONFIG_NAME_MAX];
	char	 zone[CONFIG_NAME_MAX];
	bool	 egress;
	bool	 pin;
	bool	 forced_alarm;
	int	 release_s;
	int	 held_warning_s;
	int	 held_s;
	int	 line;			/* where the section starts */
};

struct site_staff {
	char	 login[CONFIG_NAME_MAX];
	unsigned roles;
};

struct site_room {
	char	 name[CONFIG_ROOM_NAME_MAX];	/* "101" */
	int	 floor;
	char	 corridor[CONFIG_NAME_MAX];	/* zone of the corridor door */
	char	 zone[CONFIG_NAME_MAX];		/* zone of the room's door */
	int	 beds;
	bool	 double_room;
	bool	 child_friendly;
	bool	 accessible;
	int	 line;
};

/* [vacancy] (config_vacancy.c): what the vacancy topic says, how often. */
struct site_vacancy {
	int	 interval_s;		/* publication interval; default 4 h */
	bool	 children;		/* the house takes children */
	int	 child_age_min, child_age_max;
};

/* The house guest rules (DESIGN 6). */
struct site_guests {
	char	 visiting_hours[256];	/* access_windows_parse() text */
	int	 max_visit_min;
	int	 max_guests;		/* per resident at once */
	char	 areas[256];		/* comma-separated zones */
	bool	 without_agreement;	/* staff may admit one without */
};

/* An output raised while an alarm of one of its classes is open. */
struct site_alarm_out {
	char	 point[CONFIG_NAME_MAX];	/* board output role */
	char	 classes[256];			/* comma-separated */
	int	 line;
};

struct site_mqtt {
	bool	 enabled;
	char	 host[CONFIG_NAME_MAX];
	int	 port;
	char	 username[CONFIG_NAME_MAX];
	char	 password_file[CONFIG_PATH_MAX];	/* empty: no password */
	char	 ca_file[CONFIG_PATH_MAX];		/* empty: plain MQTT */
	int	 keepalive_s;
	bool	 home_assistant;
	/* The broker's files husvagtd keeps for staff logins (staff.c);
	 * empty: staff logins are not managed in the broker. */
	char	 passwd_path[CONFIG_PATH_MAX];	/* Mosquitto password file */
	char	 acl_path[CONFIG_PATH_MAX];	/* Mosquitto ACL file */
	char	 broker_pid_file[CONFIG_PATH_MAX]; /* SIGHUP after a change */
};

struct site_config {
	char	 path[CONFIG_PATH_MAX];
	char	 name[CONFIG_NAME_MAX];
	char	 timezone[CONFIG_NAME_MAX];
	char	 board[CONFIG_PATH_MAX];
	char	 state_dir[CONFIG_PATH_MAX];
	char	 control_socket[CONFIG_PATH_MAX];
	char	 sim_socket[CONFIG_PATH_MAX];
	int	 release_s, held_warning_s, held_s;
	int	 lockout_failures, lockout_window_s, lockout_s,
		 lockout_max_s;
	int	 pin_free_tries, pin_delay_s, pin_delay_max_s,
		 pin_alarm_after;
	int	 pin_timeout_s;
	bool	 duress;
	bool	 drill_release;	/* a drill holds the egress doors too */
	int	 enrol_timeout_s;
	struct site_door doors[CONFIG_DOORS_MAX];
	int	 ndoors;
	struct site_staff staff[CONFIG_STAFF_MAX];
	int	 nstaff;
	struct site_mqtt mqtt;
	struct site_room rooms[CONFIG_ROOMS_MAX];
	int	 nrooms;
	struct site_guests guests;
	int	 retention_days;
	struct site_alarm_out alarm_outs[CONFIG_ALARM_OUTS_MAX];
	int	 nalarm_outs;
	double	 console_idle_min;	/* [console] idle_min; default 15 */
	struct site_vacancy vacancy;
};

/*
 * Load the site configuration.  Every error goes to diag with file, line
 * and reason; returns 0 when there were none.
 */
int config_load(struct site_config *, const char *path, struct diag *);

/* config_mqtt.c */
void config_mqtt_defaults(struct site_mqtt *);
int  config_mqtt_key(struct site_mqtt *, struct diag *, const char *file,
	 int line, const char *key, const char *value);

/* config_console.c: [console] (the staff console's site settings) */
int  config_console_key(struct site_config *, struct diag *,
	 const char *file, int line, const char *key, const char *value);

/* config_vacancy.c: [vacancy] */
void config_vacancy_defaults(struct site_vacancy *);
int  config_vacancy_key(struct site_config *, struct diag *,
	 const char *file, int line, const char *key, const char *value);

/* config_register.c: [room X], [guests], [register] */
struct config_register_parse {
	struct site_room *room;		/* the current [room X] section */
	unsigned	 room_seen;	/* keys of it already given */
};
void config_register_defaults(struct site_config *);
/* Start a [room NAME] section; -1 (reported) when it cannot be. */
int  config_room_new(struct site_config *, struct config_register_parse *,
	 struct diag *, const char *file, int line, const char *name);
int  config_room_key(struct site_config *, struct config_register_parse *,
	 struct diag *, const char *file, int line, const char *key,
	 const char *value);
int  config_guests_key(struct site_config *, struct diag *,
	 const char *file, int line, const char *key, const char *value);
int  config_register_key(struct site_config *, struct diag *,
	 const char *file, int line, const char *key, const char *value);
/* Whole-file checks: room zones against the doors' zones. */
void config_register_finish(struct site_config *, struct diag *);

/* config_alarms.c: [alarm-outputs] */
int  config_alarm_out_key(struct site_config *, struct diag *,
	 const char *file, int line, const char *key, const char *value);
/* Is an output role the relay to the alarm transmitter ("transmitter",
 * "transmitter.police")?  Only those may carry the silent duress alarm. */
bool config_alarm_out_transmitter(const char *role);

#endif
