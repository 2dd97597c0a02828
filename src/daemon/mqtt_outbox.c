/*
 * The event stream: the journal is the outbox.
 *
 * Every committed journal row goes to husvagt/<site>/event at QoS 1, in
 * seq order, from the seq after the last one the broker acknowledged.
 * There is no queue of our own: rows are read back from the journal a
 * window at a time (journal_rows), so an outage of any length costs no
 * memory, and a crash loses nothing that was committed.  Committed means
 * the journal writer reported the row's COMMIT (journal_committed_seq):
 * a row still queued for a slow or failing disk is never published.
 *
 * Bookkeeping, all in seq order:
 *
 *	acked	every seq <= acked has its PUBACK; kept in the settings
 *		table as mqtt_acked_seq, written at most every
 *		MQTT_SAVE_MS and at a clean stop
 *	flight	the events handed to libmosquitto and not yet acknowledged,
 *		oldest first, with their mids (at most MQTT_WINDOW)
 *	sent	the last seq handed over on this connection
 *
 * A PUBACK may only move acked over a prefix of the flight that is all
 * acknowledged, so acked never passes an event the broker has not taken.
 * A lost connection forgets the flight and starts again after acked: the
 * events in flight are sent again, in order.  The database may hold an
 * older acked than the broker saw (a crash within MQTT_SAVE_MS), so a
 * consumer can see a seq twice, never a gap: it de-duplicates by seq.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "settings.h"
#include "husvagtd.h"
#include "journal.h"
#include "log.h"
#include "mqtt_int.h"

#define MQTT_STALL_MS	250	/* wait after the journal could not be read */

#define MQTT_ACKED_KEY	"mqtt_acked_seq"	/* in the settings table */

/* Read the acknowledged position; a missing one starts at the beginning. */
void
mqtt_outbox_load(struct mqtt *m)
{
	int64_t last = journal_committed_seq(m->h->journal);

	m->acked = 0;
	if (settings_int_get(m->h->db, MQTT_ACKED_KEY, &m->acked) != 1)
		m->acked = 0;
	if (m->acked < 0)
		m->acked = 0;
	if (m->acked > last) {
		/* Only a journal replaced behind our back gets here; its rows
		 * are new to the broker, so all of them go. */
		log_warnx("mqtt: acknowledged seq %" PRId64 " is past the "
		    "journal's end %" PRId64 "; publishing it all", m->acked,
		    last);
		m->acked = 0;
	}
	m->saved = m->acked;
	m->sent = m->acked;
	log_info("mqtt: events from seq %" PRId64 " on (journal at %" PRId64
	    ")", m->acked + 1, last);
}

/* Called by the journal after each commit: only note that there is work;
 * the access decision that committed the row is not held up. */
void
mqtt_outbox_hook(void *arg, int64_t seq)
{
	struct mqtt *m = arg;

	(void)seq;
	m->state_dirty = true;
}

void
mqtt_outbox_reset(struct mqtt *m)
{
	m->fhead = 0;
	m->fcount = 0;
	m->sent = m->acked;
}

void
mqtt_outbox_session(struct mqtt *m)
{
	mqtt_outbox_reset(m);
	m->backlog_from = m->acked;
	m->backlog_to = journal_committed_seq(m->h->journal);
	m->backlog_us = clock_mono_us();
	if (m->backlog_to <= m->acked)
		m->backlog_to = 0;
}

/*
 * Say how long the events that piled up while there was no connection
 * took to hand over, once the broker has acknowledged the last of them:
 * the figure an outage costs (make bench reads it).
 */
static void
mqtt_outbox_caught_up(struct mqtt *m)
{
	uint64_t us = clock_mono_us() - m->backlog_us;
	int64_t n = m->backlog_to - m->backlog_from;

	log_info("mqtt: caught up: %" PRId64 " events handed over in %.1f ms "
	    "(%.0f events/s)", n, (double)us / 1000.0,
	    us > 0 ? (double)n * 1e6 / (double)us : 0.0);
	m->backlog_to = 0;
}

/* Publish the rows of one page; false when the connection failed. */
static bool
mqtt_outbox_send(struct mqtt *m, json_t *rows)
{
	struct mqtt_flight *f;
	json_t *row;
	size_t i;
	char *text;
	int mid;

	json_array_foreach(rows, i, row) {
		if ((text = json_dumps(row, JSON_COMPACT)) == NULL) {
			log_warnx("mqtt: cannot encode event seq %" PRId64,
			    m->sent + 1);
			return false;
		}
		mid = mqtt_publish(m, "event", text, strlen(text), false);
		free(text);
		if (mid < 0)
			return false;
		f = &m->flight[(m->fhead + m->fcount) % MQTT_WINDOW];
		f->mid = mid;
		f->seq = json_integer_value(json_object_get(row, "seq"));
		f->acked = false;
		m->fcount++;
		m->sent = f->seq;
		m->published++;
	}
	return true;
}

/*
 * Fill the window from the journal.  The window is refilled once half of
 * it is acknowledged, so that rows are read in pages, not one by one.
 */
void
mqtt_outbox_pump(struct mqtt *m)
{
	int64_t last = journal_committed_seq(m->h->journal);
	json_t *rows;
	bool ok;

	while (m->conn == MQTT_UP && !m->fresh && m->sent < last &&
	    m->fcount <= MQTT_WINDOW / 2 && clock_mono_ms() >= m->stall_until) {
		rows = journal_rows(m->h->db, m->sent, last,
		    MQTT_WINDOW - m->fcount);
		if (rows == NULL || json_array_size(rows) == 0) {
			log_warnx("mqtt: cannot read the journal after seq %"
			    PRId64 "; trying again", m->sent);
			json_decref(rows);
			m->stall_until = clock_mono_ms() + MQTT_STALL_MS;
			return;
		}
		ok = mqtt_outbox_send(m, rows);
		json_decref(rows);
		if (!ok) {
			m->stall_until = clock_mono_ms() + MQTT_STALL_MS;
			return;
		}
	}
}

/* The flight entry of mid, or NULL when mid was not an event's. */
static struct mqtt_flight *
mqtt_outbox_find(struct mqtt *m, int mid)
{
	struct mqtt_flight *f;
	int i;

	for (i = 0; i < m->fcount; i++) {
		f = &m->flight[(m->fhead + i) % MQTT_WINDOW];
		if (f->mid == mid && !f->acked)
			return f;
	}
	return NULL;
}

/*
 * A PUBACK.  A refusal (reason >= 0x80: the ACL, a quota) is not skipped:
 * the connection is dropped and the event is offered again after the
 * backoff, so that a broker fixed later gets every event.
 */
bool
mqtt_outbox_acked(struct mqtt *m, int mid, int reason)
{
	struct mqtt_flight *f = mqtt_outbox_find(m, mid);

	if (f == NULL)
		return false;
	if (reason >= 0x80) {
		log_warnx("mqtt: the broker refused event seq %" PRId64 ": %s",
		    f->seq, mosquitto_reason_string(reason));
		m->refused = true;
		mqtt_drop(m, "an event was refused");
		return true;
	}
	m->refused = false;
	f->acked = true;
	while (m->fcount > 0 && m->flight[m->fhead].acked) {
		m->acked = m->flight[m->fhead].seq;
		m->fhead = (m->fhead + 1) % MQTT_WINDOW;
		m->fcount--;
	}
	if (m->backlog_to != 0 && m->acked >= m->backlog_to)
		mqtt_outbox_caught_up(m);
	return true;
}

/* Write acked to the settings table when it moved and it is time. */
void
mqtt_outbox_save(struct mqtt *m, uint64_t now, bool force)
{
	if (m->acked == m->saved || (!force && now < m->saved_at +
	    MQTT_SAVE_MS))
		return;
	m->saved_at = now;
	if (settings_int_set(m->h->db, MQTT_ACKED_KEY, m->acked) != 0) {
		log_warnx("mqtt: cannot save the acknowledged seq: %s",
		    sqlite3_errmsg(m->h->db));
		return;
	}
	m->saved = m->acked;
}

/* When the outbox wants the loop back: rows to send, a save due. */
uint64_t
mqtt_outbox_deadline(const struct mqtt *m)
{
	uint64_t t = 0, s;

	if (m->conn == MQTT_UP && !m->fresh && m->fcount <= MQTT_WINDOW / 2 &&
	    m->sent < journal_committed_seq(m->h->journal))
		t = m->stall_until > 0 ? m->stall_until : 1;
	if (m->acked != m->saved) {
		s = m->saved_at + MQTT_SAVE_MS;
		if (t == 0 || s < t)
			t = s;
	}
	return t;
}

bool
mqtt_outbox_drained(const struct mqtt *m)
{
	return m->fcount == 0 &&
	    m->sent >= journal_committed_seq(m->h->journal);
}
