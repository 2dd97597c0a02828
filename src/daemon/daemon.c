/*
 * The daemon's life: start, reload, stop.  Outputs are never touched
 * while starting, reloading or stopping except to put each lock where its
 * door's state says it should already be.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "cred.h"
#include "broker.h"
#include "db.h"
#include "husvagtd.h"
#include "journal.h"
#include "log.h"

/* Make the state folder (mode 0750) if it does not exist. */
static int
daemon_state_dir(const char *dir)
{
	if (mkdir(dir, 0750) == 0 || errno == EEXIST)
		return 0;
	log_warn("cannot create state folder %s", dir);
	return -1;
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
	/* The loop never waits for the disk: a thread writes the journal
	 * (docs/ARCHITECTURE.md, the journal writer). */
	journal_start_writer(h->journal);
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
		house_journal(h, "door.locked", d->name, "system", "",
		    json_pack("{s:s}", "reason", "start"));
	}
}

int
daemon_start(struct husvagt *h)
{
	struct hal_params hp = { .state_dir = h->cfg.state_dir,
	    .sim_socket = h->cfg.sim_socket, .wiegand_timeout_ms = 50 };
	uint64_t now;

	h->started_ms = clock_mono_ms();
	daemon_enrol_init(h);
	pulse_init(h);
	doors_lockout_cfg(h);
	if (daemon_store_open(h) != 0)
		return -1;
	if ((h->hal = hal_open(&h->board, &hp, events_hal, h)) == NULL)
		return -1;
	now = clock_mono_ms();
	if (doors_build(h, now) != 0)
		return -1;
	h->ncreds = cred_count(h->db);
	if (register_rooms_sync(h) != 0)
		return -1;
	broker_sync(h);		/* the broker's files follow the table */
	house_journal(h, "system.started", "", "system", "",
	    json_pack("{s:s, s:s, s:i, s:I}", "version", HUSVAGT_VERSION,
	    "board", h->board.name, "doors", h->ndoors,
	    "credentials", (json_int_t)h->ncreds));
	/* Before any lock is written: a fire still signalled keeps its
	 * egress doors released, never locked in between. */
	mode_run_at_start(h);
	daemon_relock_journal(h);
	if (doors_apply_all(h) != 0)
		log_warnx("some lock outputs could not be written at start");
	alarm_at_start(h);
	events_at_start(h, now);
	evac_at_start(h);
	alarm_outputs_update(h);
	/* Last, so the bridge starts from a journal that says how we
	 * started; it connects from the loop, never here. */
	return mqtt_open(h);
}

void
daemon_stop(struct husvagt *h)
{
	int i;

	if (h->journal != NULL)
		house_journal(h, "system.stopped", "", "system", "", NULL);
	/* What is queued is committed before the bridge says goodbye, so
	 * that it can still publish it. */
	if (h->journal != NULL)
		journal_sync(h->journal, 3000);
	broker_tick(h, UINT64_MAX);	/* a broker reload still due */
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

/*
 * Reload the site configuration in place.  The board (the wires) stays as
 * it is: a changed board needs a restart, which the journal says.  Locks
 * keep their state; only doors new to the configuration start locked.
 */
int
daemon_reload(struct husvagt *h)
{
	struct diag d = { 0 };
	struct site_config *nc;
	struct door_rt *old = h->doors;
	int nold = h->ndoors, rc = -1;

	if ((nc = malloc(sizeof(*nc))) == NULL)
		return -1;
	if (config_load(nc, h->cfg.path, &d) != 0 ||
	    doors_check(nc, &h->board, &d) != 0) {
		log_warnx("reload: %d error(s), keeping the running "
		    "configuration", d.count);
		house_journal(h, "system.reload_failed", "", "system", "",
		    json_pack("{s:i}", "errors", d.count));
		goto out;
	}
	if (strcmp(nc->board, h->cfg.board))
		log_warnx("reload: the board file changed; restart to use it");
	mqtt_reload(h->mqtt, nc);
	alarm_outputs_reload(h, nc);
	snprintf(nc->board, sizeof(nc->board), "%s", h->cfg.board);
	h->cfg = *nc;
	doors_lockout_cfg(h);
	if (doors_build(h, clock_mono_ms()) != 0) {
		h->doors = old;		/* old cfg pointers: keep them valid */
		h->ndoors = nold;
		goto out;
	}
	doors_carry(h, old, nold);
	doors_removed(h, old, nold);
	free(old);
	mode_run_reloaded(h);
	doors_apply_all(h);
	register_rooms_sync(h);
	alarm_outputs_update(h);	/* the classes may have changed */
	rc = 0;
	house_journal(h, "system.reloaded", "", "system", "",
	    json_pack("{s:i}", "doors", h->ndoors));
out:
	free(nc);
	return rc;
}
