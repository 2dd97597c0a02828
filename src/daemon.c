/*
 * The daemon's life: start, reload, stop, and the doors' run-time state.
 * Outputs are never touched while starting, reloading or stopping except
 * to put each lock where its door's state says it should already be.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "cred.h"
#include "db.h"
#include "husvagtd.h"
#include "journal.h"
#include "log.h"

#define HUSVAGT_VERSION "0.1.0"

/* Role name of a door's point: "<door>.<what>". */
static int
daemon_point(struct husvagt *h, const char *door, const char *what)
{
	char role[BOARD_NAME_MAX * 2];

	snprintf(role, sizeof(role), "%s.%s", door, what);
	return hal_point(h->hal, role);
}

/* Fill a door's state machine configuration from the site's. */
static void
daemon_door_cfg(const struct site_door *sd, struct door_cfg *fsm)
{
	fsm->release_ms = (uint32_t)sd->release_s * 1000u;
	fsm->held_warn_ms = (uint32_t)sd->held_warning_s * 1000u;
	fsm->held_ms = (uint32_t)sd->held_s * 1000u;
	fsm->forced_alarm = sd->forced_alarm;
}

/* Find the points of one door. */
static void
daemon_door_points(struct husvagt *h, struct door_rt *d)
{
	d->p_lock = daemon_point(h, d->cfg->name, "lock");
	d->p_contact = daemon_point(h, d->cfg->name, "contact");
	d->p_rex = daemon_point(h, d->cfg->name, "rex");
	d->p_reader = daemon_point(h, d->cfg->name, "reader");
	d->p_reader_out = daemon_point(h, d->cfg->name, "reader.out");
	d->p_intercom = daemon_point(h, d->cfg->name, "intercom");
}

/*
 * Drive a door's lock to what its state machine says.  Writing the value
 * a lock already has changes nothing on the wire.
 */
void
husvagt_apply_lock(struct husvagt *h, struct door_rt *d)
{
	if (d->p_lock >= 0)
		hal_lock_set(h->hal, d->p_lock, d->st.released);
}

/*
 * Build the doors' run-time state from the contacts as the HAL found them;
 * no output is written here.
 */
static int
daemon_doors_build(struct husvagt *h, uint64_t now)
{
	struct door_out out;
	int i, open;

	h->doors = calloc((size_t)h->cfg.ndoors, sizeof(*h->doors));
	if (h->doors == NULL)
		return -1;
	h->ndoors = h->cfg.ndoors;
	for (i = 0; i < h->ndoors; i++) {
		struct door_rt *d = &h->doors[i];

		d->cfg = &h->cfg.doors[i];
		snprintf(d->name, sizeof(d->name), "%s", d->cfg->name);
		daemon_door_cfg(d->cfg, &d->fsm);
		daemon_door_points(h, d);
		lockout_init(&d->lockout);
		open = 0;
		if (d->p_contact >= 0)
			hal_input_get(h->hal, d->p_contact, &open);
		door_init(&d->fsm, &d->st, open != 0, now, &out);
		d->deadline = out.deadline;
	}
	return 0;
}

/* Put every lock where its door's state says, in one flush. */
int
husvagt_apply_all_locks(struct husvagt *h)
{
	int i;

	for (i = 0; i < h->ndoors; i++)
		husvagt_apply_lock(h, &h->doors[i]);
	return hal_flush(h->hal);
}

/* The kind each door role must have on the board. */
static const struct {
	const char	*what;
	enum board_kind	 kind;
	const char	*kind_name;
	bool		 required;
} daemon_door_roles[] = {
	{ "lock",	BOARD_OUTPUT,	"an output",	true },
	{ "contact",	BOARD_INPUT,	"an input",	true },
	{ "rex",	BOARD_INPUT,	"an input",	false },
	{ "intercom",	BOARD_INPUT,	"an input",	false },
	{ "reader",	BOARD_READER,	"a reader",	false },
	{ "reader.out",	BOARD_READER,	"a reader",	false },
};

/* Check one door's points on the board. */
static void
daemon_check_door(const struct site_config *c, const struct site_door *sd,
    const struct board *b, struct diag *d)
{
	char role[BOARD_NAME_MAX * 2];
	size_t k;
	int p;

	for (k = 0; k < sizeof(daemon_door_roles) /
	    sizeof(daemon_door_roles[0]); k++) {
		snprintf(role, sizeof(role), "%s.%s", sd->name,
		    daemon_door_roles[k].what);
		if ((p = board_point_find(b, role)) < 0) {
			if (daemon_door_roles[k].required)
				diag_error(d, c->path, sd->line, "door %s: the "
				    "board %s has no point '%s'", sd->name,
				    b->path, role);
			continue;
		}
		if (b->points[p].kind != daemon_door_roles[k].kind)
			diag_error(d, c->path, sd->line, "door %s: '%s' is "
			    "not %s on the board", sd->name, role,
			    daemon_door_roles[k].kind_name);
		else if (k == 0 && b->points[p].lock == BOARD_LOCK_NONE)
			diag_error(d, c->path, sd->line, "door %s: '%s' needs "
			    "lock = fail-safe or fail-secure on the board",
			    sd->name, role);
	}
	snprintf(role, sizeof(role), "%s.reader", sd->name);
	if (sd->pin && board_point_find(b, role) < 0)
		diag_error(d, c->path, sd->line, "door %s: pin = yes but the "
		    "board has no '%s'", sd->name, role);
}

/* Each [alarm-outputs] key must be an output of the board, and not a
 * door's lock: a siren wired to a lock's relay would open the door. */
static void
daemon_check_alarm_outs(const struct site_config *c, const struct board *b,
    struct diag *d)
{
	const struct site_alarm_out *o;
	int i, p;

	for (i = 0; i < c->nalarm_outs; i++) {
		o = &c->alarm_outs[i];
		if ((p = board_point_find(b, o->point)) < 0)
			diag_error(d, c->path, o->line, "[alarm-outputs]: the "
			    "board %s has no point '%s'", b->path, o->point);
		else if (b->points[p].kind != BOARD_OUTPUT)
			diag_error(d, c->path, o->line, "[alarm-outputs]: '%s' "
			    "is not an output on the board", o->point);
		else if (b->points[p].lock != BOARD_LOCK_NONE)
			diag_error(d, c->path, o->line, "[alarm-outputs]: '%s' "
			    "is a lock on the board, not an alarm output",
			    o->point);
	}
}

/*
 * Check that every door of the site has its lock (with its lock type) and
 * contact on the board, that each door role has the right kind, and a
 * reader where the door asks for a PIN; and that every alarm output is
 * an output of the board.  Errors name the configuration's line.
 */
int
husvagt_check_doors(const struct site_config *c, const struct board *b,
    struct diag *d)
{
	int before = d->count, i;

	for (i = 0; i < c->ndoors; i++)
		daemon_check_door(c, &c->doors[i], b, d);
	daemon_check_alarm_outs(c, b, d);
	return d->count == before ? 0 : -1;
}

/* Make the state folder (mode 0750) if it does not exist. */
static int
daemon_state_dir(const char *dir)
{
	if (mkdir(dir, 0750) == 0 || errno == EEXIST)
		return 0;
	log_warn("cannot create state folder %s", dir);
	return -1;
}

/* Reader lockout from the site's defaults. */
static void
husvagt_lockout_cfg(struct husvagt *h)
{
	h->lockout_cfg.failures = h->cfg.lockout_failures;
	h->lockout_cfg.window_ms = (uint32_t)h->cfg.lockout_window_s * 1000u;
	h->lockout_cfg.lock_ms = (uint32_t)h->cfg.lockout_s * 1000u;
}

/* Open the key, the database and the journal. */
static int
daemon_store_open(struct husvagt *h)
{
	char path[CONFIG_PATH_MAX + 32];

	if (daemon_state_dir(h->cfg.state_dir) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/device.key", h->cfg.state_dir);
	if (keys_load(&h->keys, path) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/husvagt.db", h->cfg.state_dir);
	if ((h->db = db_open(path)) == NULL)
		return -1;
	if ((h->journal = journal_open(h->db, h->keys.journal)) == NULL)
		return -1;
	return 0;
}

static void
daemon_enrol_init(struct husvagt *h)
{
	int i;

	for (i = 0; i < ENROL_SLOTS; i++)
		h->enrol[i].point = -1;
}

/*
 * A hold or a release is not carried over a restart (DESIGN 7: the state
 * comes from the inputs and the register), so a lock the last daemon
 * left released is locked now.  That is a real change on the wire: it is
 * journalled, before it is made, for each lock whose backend can say.
 */
static void
daemon_relock_journal(struct husvagt *h)
{
	bool released;
	int i;

	for (i = 0; i < h->ndoors; i++) {
		struct door_rt *d = &h->doors[i];

		if (d->p_lock < 0 || d->st.released ||
		    hal_lock_wire(h->hal, d->p_lock, &released) != 0 ||
		    !released)
			continue;
		husvagt_journal(h, "door.locked", d->name, "system", "",
		    json_pack("{s:s}", "reason", "start"));
	}
}

int
husvagt_start(struct husvagt *h)
{
	struct hal_params hp = { .state_dir = h->cfg.state_dir,
	    .sim_socket = h->cfg.sim_socket, .wiegand_timeout_ms = 50 };
	uint64_t now;

	h->started_ms = clock_mono_ms();
	daemon_enrol_init(h);
	pulse_init(h);
	husvagt_lockout_cfg(h);
	if (daemon_store_open(h) != 0)
		return -1;
	if ((h->hal = hal_open(&h->board, &hp, husvagt_hal_event, h)) == NULL)
		return -1;
	now = clock_mono_ms();
	if (daemon_doors_build(h, now) != 0)
		return -1;
	h->ncreds = cred_count(h->db);
	if (register_rooms_sync(h) != 0)
		return -1;
	staff_broker_sync(h);		/* the broker's files follow the table */
	husvagt_journal(h, "system.started", "", "system", "",
	    json_pack("{s:s, s:s, s:i, s:I}", "version", HUSVAGT_VERSION,
	    "board", h->board.name, "doors", h->ndoors,
	    "credentials", (json_int_t)h->ncreds));
	/* Before any lock is written: a fire still signalled keeps its
	 * egress doors released, never locked in between. */
	husvagt_mode_at_start(h);
	daemon_relock_journal(h);
	if (husvagt_apply_all_locks(h) != 0)
		log_warnx("some lock outputs could not be written at start");
	alarm_at_start(h);
	husvagt_alarms_at_start(h, now);
	evac_at_start(h);
	alarm_outputs_update(h);
	/* Last, so the bridge starts from a journal that says how we
	 * started; it connects from the loop, never here. */
	return mqtt_open(h);
}

void
husvagt_stop(struct husvagt *h)
{
	int i;

	if (h->journal != NULL)
		husvagt_journal(h, "system.stopped", "", "system", "", NULL);
	staff_tick(h, UINT64_MAX);	/* a broker reload still due */
	mqtt_close(h);
	if (h->hal != NULL)
		hal_close(h->hal);
	for (i = 0; i < ENROL_SLOTS; i++)
		json_decref(h->enrol[i].args);
	if (h->journal != NULL)
		journal_close(h->journal);
	if (h->db != NULL)
		db_close(h->db);
	free(h->doors);
	h->hal = NULL;
	h->journal = NULL;
	h->db = NULL;
	h->doors = NULL;
}

/* Keep the run-time state of doors that exist in both configurations. */
static void
daemon_doors_carry(struct husvagt *h, struct door_rt *old, int nold)
{
	int i, j;

	for (i = 0; i < h->ndoors; i++)
		for (j = 0; j < nold; j++) {
			if (strcmp(h->doors[i].name, old[j].name))
				continue;
			h->doors[i].st = old[j].st;
			h->doors[i].deadline = old[j].deadline;
			h->doors[i].lockout = old[j].lockout;
			h->doors[i].mode_hold = old[j].mode_hold;
		}
}

/*
 * Engage the lock of every door the new configuration no longer has: no
 * command could reach it any more, so it must not stay released.
 */
static void
daemon_doors_removed(struct husvagt *h, struct door_rt *old, int nold)
{
	int i, j;

	for (j = 0; j < nold; j++) {
		for (i = 0; i < h->ndoors; i++)
			if (!strcmp(h->doors[i].name, old[j].name))
				break;
		if (i < h->ndoors || old[j].p_lock < 0 || !old[j].st.released)
			continue;
		husvagt_journal(h, "door.locked", old[j].name, "system", "",
		    json_pack("{s:s}", "reason", "removed"));
		hal_lock_set(h->hal, old[j].p_lock, false);
	}
}

/*
 * Reload the site configuration in place.  The board (the wires) stays as
 * it is: a changed board needs a restart, which the journal says.  Locks
 * keep their state; only doors new to the configuration start locked.
 */
int
husvagt_reload(struct husvagt *h)
{
	struct diag d = { 0 };
	struct site_config *nc;
	struct door_rt *old = h->doors;
	int nold = h->ndoors, rc = -1;

	if ((nc = malloc(sizeof(*nc))) == NULL)
		return -1;
	if (config_load(nc, h->cfg.path, &d) != 0 ||
	    husvagt_check_doors(nc, &h->board, &d) != 0) {
		log_warnx("reload: %d error(s), keeping the running "
		    "configuration", d.count);
		husvagt_journal(h, "system.reload_failed", "", "system", "",
		    json_pack("{s:i}", "errors", d.count));
		goto out;
	}
	if (strcmp(nc->board, h->cfg.board))
		log_warnx("reload: the board file changed; restart to use it");
	mqtt_reload(h->mqtt, nc);
	alarm_outputs_reload(h, nc);
	snprintf(nc->board, sizeof(nc->board), "%s", h->cfg.board);
	h->cfg = *nc;
	husvagt_lockout_cfg(h);
	if (daemon_doors_build(h, clock_mono_ms()) != 0) {
		h->doors = old;		/* old cfg pointers: keep them valid */
		h->ndoors = nold;
		goto out;
	}
	daemon_doors_carry(h, old, nold);
	daemon_doors_removed(h, old, nold);
	free(old);
	husvagt_mode_reloaded(h);
	husvagt_apply_all_locks(h);
	register_rooms_sync(h);
	alarm_outputs_update(h);	/* the classes may have changed */
	rc = 0;
	husvagt_journal(h, "system.reloaded", "", "system", "",
	    json_pack("{s:i}", "doors", h->ndoors));
out:
	free(nc);
	return rc;
}

/* The configuration's [staff] (bootstrap logins) and the staff table's
 * live logins (husvagtctl staff add) together. */
unsigned
husvagt_roles_of(const struct husvagt *h, const char *login)
{
	unsigned roles = 0;
	int i;

	for (i = 0; i < h->cfg.nstaff; i++)
		if (!strcmp(h->cfg.staff[i].login, login))
			roles |= h->cfg.staff[i].roles;
	return roles | staff_roles(h->db, login);
}
