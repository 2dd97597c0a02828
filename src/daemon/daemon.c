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

/*
 * Judge the database against the journal's anchor before anything is
 * appended, and keep the anchor from now on.  A device key that was
 * there before this start means an anchor was written with it: a missing
 * one is a break too.  A break is only noted here; daemon_start journals
 * it and raises the alarm once the journal runs, and the doors work on.
 */
static int
daemon_anchor_open(struct husvagt *h, bool key_existed)
{
	struct journal_anchor_rec rec;
	char path[CONFIG_PATH_MAX + 32], why[ANCHOR_REASON_MAX];
	int64_t bad;
	bool broken;
	int rc;

	snprintf(path, sizeof(path), "%s/journal.anchor", h->cfg.state_dir);
	rc = journal_anchor_read(path, h->keys.journal, &rec, why,
	    sizeof(why));
	if (rc == 0 && key_existed)
		snprintf(why, sizeof(why), "journal anchor missing (the "
		    "device key is older than it)");
	broken = rc == -1 || (rc == 0 && key_existed) || (rc == 1 &&
	    journal_anchor_judge(h->db, &rec, &bad, why, sizeof(why)) == 1);
	if (broken) {
		snprintf(h->anchor_broken, sizeof(h->anchor_broken), "%s", why);
		log_warnx("journal: %s", why);
	}
	if (rc != 1)	/* a fresh anchor, from the database's head */
		memset(&rec, 0, sizeof(rec));
	if (journal_anchor_open(&h->anchor, path, h->keys.journal, &rec) != 0)
		return -1;
	journal_set_anchor(h->journal, &h->anchor);
	return 0;
}

/*
 * A journal found wiped, cut or replaced at start: journal it, keep the
 * finding in the anchor so that verify names it from now on, and raise
 * the tamper alarm at point "journal".  The doors are not touched.
 */
static void
daemon_anchor_report(struct husvagt *h)
{
	int64_t seq, id;

	if (h->anchor_broken[0] == '\0')
		return;
	seq = house_journal(h, "journal.tampered", "journal", "system", "",
	    json_pack("{s:s}", "reason", h->anchor_broken));
	if (seq > 0 && journal_anchor_note(h->journal, seq,
	    h->anchor_broken) != 0)
		log_warnx("journal: the break could not be kept in the anchor");
	id = alarm_raise(h, "tamper", "journal", false);
	house_journal(h, "alarm.tamper", "journal", "system", "",
	    json_pack("{s:I, s:s}", "alarm", (json_int_t)id, "reason",
	    "journal"));
}

/* Open the key, the database, the journal and its anchor. */
static int
daemon_store_open(struct husvagt *h)
{
	char path[CONFIG_PATH_MAX + 32];
	struct stat sb;
	bool key_existed;

	h->anchor.fd = -1;
	if (daemon_state_dir(h->cfg.state_dir) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/device.key", h->cfg.state_dir);
	key_existed = stat(path, &sb) == 0;
	if (keys_load(&h->keys, path) != 0)
		return -1;
	/* No global mutex around SQLite's allocations: the worker runs at
	 * SCHED_IDLE (work.c), and the loop and the journal writer must not
	 * wait for a lock it was preempted holding.  Before any connection
	 * (sqlite3_initialize); a second start in one process keeps it. */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	snprintf(path, sizeof(path), "%s/husvagt.db", h->cfg.state_dir);
	if ((h->db = db_open(path)) == NULL)
		return -1;
	if ((h->journal = journal_open(h->db, h->keys.journal)) == NULL)
		return -1;
	if (daemon_anchor_open(h, key_existed) != 0)
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
	reader_osdp_start(h);
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
	daemon_anchor_report(h);
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
	if (work_open(h) != 0)
		log_warnx("no worker thread: journal verify runs in the loop");
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
	work_close(h);
	if (h->hal != NULL)
		hal_close(h->hal);
	for (i = 0; i < ENROL_SLOTS; i++)
		json_decref(h->enrol[i].args);
	if (h->journal != NULL)
		journal_close(h->journal);
	journal_anchor_close(&h->anchor);
	if (h->db != NULL)
		db_close(h->db);
	free(h->doors);
	h->hal = NULL;
	h->journal = NULL;
	h->db = NULL;
	h->doors = NULL;
}

/*
 * A reload found the configuration or the board file broken: journal
 * where (the first error's file and line), keep the running
 * configuration, and raise the "fault" alarm at point "config" until a
 * reload loads.
 */
static void
daemon_reload_failed(struct husvagt *h, const struct diag *d)
{
	int64_t id;

	log_warnx("reload: %d error(s), first %s:%d: %s; keeping the running "
	    "configuration", d->count, d->first_file, d->first_line,
	    d->first_msg);
	house_journal(h, "system.reload_failed", "", "system", "",
	    json_pack("{s:i, s:s, s:i, s:s}", "errors", d->count, "file",
	    d->first_file, "line", d->first_line, "error", d->first_msg));
	id = alarm_raise(h, "fault", "config", false);
	if (!h->config_fault)
		house_journal(h, "alarm.fault", "config", "system", "",
		    json_pack("{s:I, s:s, s:s, s:i}", "alarm", (json_int_t)id,
		    "reason", "config", "file", d->first_file, "line",
		    d->first_line));
	h->config_fault = true;
	house_state_changed(h);
}

/* A reload loaded: a configuration fault raised by an earlier one ends. */
static void
daemon_reload_fault_cleared(struct husvagt *h)
{
	if (!h->config_fault)
		return;
	h->config_fault = false;
	house_journal(h, "fault.cleared", "config", "system", "",
	    json_pack("{s:s}", "reason", "config"));
	alarm_cause_cleared(h, "fault", "config");
	house_state_changed(h);
}

/* Whether two boards drive the same wires the same way (where in the
 * file a key stands does not matter). */
static bool
daemon_board_same(const struct board *a, const struct board *b)
{
	struct board *x, *y;
	bool same;
	int i;

	if ((x = malloc(sizeof(*x))) == NULL ||
	    (y = malloc(sizeof(*y))) == NULL) {
		free(x);
		return false;
	}
	*x = *a;
	*y = *b;
	for (i = 0; i < BOARD_BACKENDS_MAX; i++)
		x->backends[i].line = y->backends[i].line = 0;
	for (i = 0; i < BOARD_POINTS_MAX; i++)
		x->points[i].line_no = y->points[i].line_no = 0;
	same = memcmp(x, y, sizeof(*x)) == 0;
	free(x);
	free(y);
	return same;
}

/*
 * Reload the site configuration in place.  The board file named by the
 * new configuration is read and checked now, with the configuration
 * against it, so that a file broken since the start is reported at once
 * and not at the next restart.  The wires stay as they are: a board that
 * changed is applied at the next restart, which the journal and status
 * say.  Locks keep their state; only doors new to the configuration
 * start locked.
 */
int
daemon_reload(struct husvagt *h)
{
	struct diag d = { 0 };
	struct site_config *nc;
	struct board *nb;
	struct door_rt *old = h->doors;
	int nold = h->ndoors, rc = -1;
	const char *restart = NULL;

	nc = malloc(sizeof(*nc));
	nb = calloc(1, sizeof(*nb));
	if (nc == NULL || nb == NULL) {
		free(nc);
		free(nb);
		return -1;
	}
	if (config_load(nc, h->cfg.path, &d) != 0 ||
	    board_load(nb, nc->board, &d) != 0 ||
	    doors_check(nc, nb, &d) != 0) {
		daemon_reload_failed(h, &d);
		goto out;
	}
	if (strcmp(nc->board, h->cfg.board) || !daemon_board_same(nb,
	    &h->board)) {
		restart = "the board file changed";
		/* The doors are built on the running board until then. */
		if (doors_check(nc, &h->board, &d) != 0) {
			daemon_reload_failed(h, &d);
			goto out;
		}
		log_warnx("reload: %s; restart to use it", restart);
	}
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
	h->restart_needed = restart != NULL;
	house_journal(h, "system.reloaded", "", "system", "", restart != NULL ?
	    json_pack("{s:i, s:b, s:s}", "doors", h->ndoors, "restart_needed",
	    1, "reason", restart) : json_pack("{s:i}", "doors", h->ndoors));
	daemon_reload_fault_cleared(h);
out:
	free(nc);
	free(nb);
	return rc;
}
