/*
 * The services every part of the house uses: the journal, the outputs'
 * flush (and its timer), and the hooks the daemon's outer parts
 * registered.
 */
#include "house.h"
#include "journal.h"

#define HOUSE_FLUSH_RETRY_MS	500

int64_t
house_journal(struct husvagt *h, const char *type, const char *point,
    const char *actor, const char *subject, json_t *detail)
{
	int64_t seq;

	seq = journal_append(h->journal, type, point, actor, subject, detail);
	json_decref(detail);
	return seq;
}

int64_t
house_journal_text(struct husvagt *h, const char *type, const char *point,
    const char *actor, const char *subject, json_t *detail,
    const struct journal_text *t)
{
	int64_t seq;

	seq = journal_append_text(h->journal, type, point, actor, subject,
	    detail, t);
	json_decref(detail);
	return seq;
}

json_t *
house_storage_json(struct husvagt *h)
{
	struct journal_health s;
	json_t *o;

	journal_health(h->journal, &s);
	o = json_pack("{s:b, s:i, s:I}", "ok", !s.failing, "queued", s.queued,
	    "lost", (json_int_t)s.lost);
	if (o != NULL && s.failing)
		json_object_update_new(o, json_pack("{s:s, s:s, s:s}",
		    "fault", "storage", "since", s.since, "error", s.error));
	return o;
}

void
house_state_changed(struct husvagt *h)
{
	if (h->hooks.state_changed != NULL)
		h->hooks.state_changed(h->hooks.arg);
}

void
house_status(struct husvagt *h, json_t *status)
{
	if (h->hooks.status != NULL)
		h->hooks.status(h->hooks.arg, status);
}

/*
 * Write every queued output.  A write that fails stays queued in the HAL
 * and is tried again from house_flush_tick, so a lock that could not be
 * engaged (or released) once is not left that way until the next event.
 */
void
house_flush(struct husvagt *h, uint64_t now)
{
	if (hal_flush(h->hal) == 0)
		h->flush_retry_at = 0;
	else
		h->flush_retry_at = now + HOUSE_FLUSH_RETRY_MS;
}

/* The outputs' flush timer: a failed write tried again, or writes queued
 * to go at the end of the turn (alarm_out.c). */
void
house_flush_tick(struct husvagt *h, uint64_t now)
{
	if (h->flush_retry_at != 0 && h->flush_retry_at <= now)
		house_flush(h, now);
}

uint64_t
house_flush_deadline(struct husvagt *h)
{
	return h->flush_retry_at;
}
