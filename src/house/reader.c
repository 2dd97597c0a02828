/*
 * A card or a key at a reader: find the credential, ask access.c, journal
 * the decision, and only then release the door.  Chip + PIN waits for the
 * PIN here; enrol-by-presenting takes the card instead of deciding.
 *
 * The raw card number never leaves this file's stack: it is turned into
 * its keyed MAC at once.  An unknown card is journalled by the first 8
 * bytes of that MAC, so repeated tries of one card can be told apart
 * without the number being recoverable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "chip.h"
#include "clock.h"
#include "cred.h"
#include "evac.h"
#include "guess_table.h"
#include "house.h"
#include "journal.h"
#include "log.h"

/* The door whose (in or out) reader this point is. */
static struct door_rt *
reader_door(struct husvagt *h, int point)
{
	int i;

	for (i = 0; i < h->ndoors; i++)
		if (h->doors[i].p_reader == point ||
		    h->doors[i].p_reader_out == point)
			return &h->doors[i];
	return NULL;
}

/*
 * Fill the time and place of a request.  A lockdown refuses entry to all
 * but staff; an exit reader (<door>.reader.out) is never closed by it
 * (DESIGN 11.2: exit is never blocked by software).
 */
static void
reader_request(struct husvagt *h, struct door_rt *d, struct access_request *r,
    int point, uint64_t now)
{
	time_t wall = clock_wall();
	struct tm tm;

	memset(r, 0, sizeof(*r));
	localtime_r(&wall, &tm);
	r->zone = d->cfg->zone;
	r->now = (int64_t)wall;
	r->weekday = (tm.tm_wday + 6) % 7;
	r->minute = tm.tm_hour * 60 + tm.tm_min;
	(void)now;
	r->pin_required = d->cfg->pin;
	r->lockdown = h->mode.lockdown && point != d->p_reader_out;
}

/* Hex of the first 8 bytes of a card MAC, for unknown cards. */
static void
reader_mac_tag(const uint8_t *mac, char *out)
{
	int i;

	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
}

/* Raise the tamper alarm at the reader, journalled with why. */
static void
reader_alarm(struct husvagt *h, const char *reader, const char *why,
    const struct access_cred *c)
{
	json_t *detail = json_pack("{s:I, s:s}", "alarm",
	    (json_int_t)alarm_raise(h, "tamper", reader, false), "reason", why);

	if (c != NULL)
		json_object_set_new(detail, "credential", json_integer(c->id));
	house_journal(h, "alarm.tamper", reader, "system",
	    c != NULL ? c->holder : "", detail);
}

/*
 * An unknown or revoked card: count it against the reader, whose lockout
 * then refuses unknown cards only, and raise the alarm.  The count is
 * kept in the database so that a restart does not forgive it.
 */
static void
reader_guessed(struct husvagt *h, struct door_rt *d, const char *reader)
{
	if (lockout_fail(&h->lockout_cfg, &d->lockout, clock_wall_ms())) {
		house_journal(h, "reader.locked_out", d->name, "system", "",
		    json_pack("{s:s, s:I}", "reader", reader, "seconds",
		    (json_int_t)((d->lockout.until - d->lockout.last_at) /
		    1000)));
		reader_alarm(h, reader, "unknown_cards", NULL);
	}
	if (guess_table_put(h->db, "reader", d->name, &d->lockout) != 0)
		log_warnx("%s: the count of unknown cards is not kept",
		    d->name);
}

/* The chip's count of wrong PINs as text key. */
static void
reader_pin_key(int64_t id, char key[24])
{
	snprintf(key, 24, "%lld", (long long)id);
}

/*
 * A wrong PIN: count it against the chip, at whatever reader, make the
 * chip wait once it has had its free tries, and raise the alarm at the
 * alarm_at'th.  Somebody guessing with a stolen chip is slowed to one
 * try per delay_max (docs/security.md has the figure).
 */
static void
reader_pin_wrong(struct husvagt *h, struct door_rt *d, const char *reader,
    const struct access_cred *c)
{
	struct guess g;
	char key[24];
	bool alarm = false;
	int64_t wait;

	reader_pin_key(c->id, key);
	if (guess_table_get(h->db, "pin", key, &g) != 0)
		alarm_check_failed(h, "pin counter");
	wait = pin_fail(&h->pin_policy, &g, clock_wall_ms(), &alarm);
	if (guess_table_put(h->db, "pin", key, &g) != 0)
		alarm_check_failed(h, "pin counter");
	if (wait > 0)
		house_journal(h, "credential.pin_delay", d->name, "system",
		    c->holder, json_pack("{s:I, s:s, s:i, s:I}", "credential",
		    (json_int_t)c->id, "reader", reader, "failures",
		    g.failures, "seconds", (json_int_t)((wait + 999) / 1000)));
	if (alarm)
		reader_alarm(h, reader, "pin_guessing", c);
}

/*
 * Must the chip wait before a PIN is asked for?  1 yes, 0 no, -1 the
 * counter could not be read (fails closed: the caller refuses).
 */
static int
reader_pin_waits(struct husvagt *h, int64_t id)
{
	struct guess g;
	char key[24];

	reader_pin_key(id, key);
	if (guess_table_get(h->db, "pin", key, &g) != 0) {
		alarm_check_failed(h, "pin counter");
		return -1;
	}
	return g.failures > 0 && guess_blocked(&g, clock_wall_ms(),
	    h->pin_policy.delay_max_ms);
}

/* A right PIN forgets the chip's wrong ones. */
static void
reader_pin_right(struct husvagt *h, int64_t id)
{
	struct guess g;
	char key[24];

	reader_pin_key(id, key);
	if (guess_table_get(h->db, "pin", key, &g) == 0 && g.failures > 0) {
		memset(&g, 0, sizeof(g));
		guess_table_put(h->db, "pin", key, &g);
	}
}

/*
 * Show a decision at a reader that can show one (OSDP: LED and buzzer);
 * a Wiegand reader's backend cannot, and says so, which is no error.
 */
static void
reader_signal(struct husvagt *h, const char *reader, enum hal_signal sig)
{
	int point = hal_point(h->hal, reader);

	if (point >= 0)
		(void)hal_reader_signal(h->hal, point, sig);
}

/* A grant waiting for its row's commit; the door by name, as a reload
 * may move the doors. */
struct reader_grant {
	struct husvagt	*h;
	int64_t		 seq;
	bool		 forgive;	/* keep the reader's count, reset */
	char		 door[64];
	char		 reader[64];
};

/* Keep the reader's count of unknown cards, reset by a grant. */
static void
reader_forgiven(struct husvagt *h, struct door_rt *d)
{
	if (guess_table_put(h->db, "reader", d->name, &d->lockout) != 0)
		log_warnx("%s: the count of unknown cards is not kept",
		    d->name);
}

/*
 * The grant's row is committed: release the door.  Or the disk failed
 * to take it: the door stays locked, and a row says the grant was
 * withdrawn (the granted row is written once the disk takes rows again).
 */
static void
reader_grant_done(void *arg, bool ok)
{
	struct reader_grant *g = arg;
	struct husvagt *h = g->h;
	struct door_rt *d = doors_find(h, g->door);

	/* Now, as the writer just finished a commit and so is seldom
	 * inside another: the door's rows are queued next. */
	if (g->forgive && d != NULL)
		reader_forgiven(h, d);
	if (ok && d != NULL) {
		doors_event(h, d, DOOR_EV_GRANT, "system", clock_mono_ms());
		/* A duress grant shows what any grant shows. */
		reader_signal(h, g->reader, HAL_SIGNAL_GRANT);
	}
	if (!ok) {
		reader_signal(h, g->reader, HAL_SIGNAL_DENY);
		log_warnx("%s: access not granted: the journal cannot record "
		    "it", g->door);
		house_journal(h, "access.withdrawn", g->door, "system", "",
		    json_pack("{s:I, s:s}", "granted", (json_int_t)g->seq,
		    "reason", "storage"));
	}
	free(g);
}

/*
 * Entry waits for its own row's commit, never in the loop: the door moves
 * when the writer reports it (journal_on_commit), at once without one.
 */
static void
reader_grant_wait(struct husvagt *h, struct door_rt *d, const char *reader,
    int64_t seq, bool forgive)
{
	struct reader_grant *g = calloc(1, sizeof(*g));

	if (g == NULL) {
		log_warn("%s: grant", d->name);
		return;
	}
	g->h = h;
	g->seq = seq;
	g->forgive = forgive;
	snprintf(g->door, sizeof(g->door), "%s", d->name);
	snprintf(g->reader, sizeof(g->reader), "%s", reader);
	if (journal_on_commit(h->journal, seq, reader_grant_done, g) == -1) {
		log_warnx("%s: access not granted: too many grants wait for "
		    "the journal", d->name);
		if (forgive)
			reader_forgiven(h, d);
		free(g);
	}
}

/*
 * Journal a decision; on a grant release the door, on a denial count the
 * failure: unknown cards against the reader, wrong PINs against the
 * chip.  The journal row comes first.
 */
static void
reader_decided(struct husvagt *h, struct door_rt *d, const char *reader,
    const struct access_cred *c, const char *tag, enum access_reason why,
    bool duress, uint64_t now)
{
	const char *subject = c != NULL ? c->holder : "";
	json_t *detail = json_pack("{s:s}", "reader", reader);
	bool forgive;
	int64_t seq;

	(void)now;	/* the guess counters run on wall time (lockout.h) */
	if (c != NULL)
		json_object_set_new(detail, "credential", json_integer(c->id));
	else if (tag != NULL)
		json_object_set_new(detail, "card", json_string(tag));
	if (why != ACCESS_OK) {
		json_object_set_new(detail, "reason",
		    json_string(access_reason_name(why)));
		house_journal(h, "access.denied", d->name, "system", subject,
		    detail);
		reader_signal(h, reader, HAL_SIGNAL_DENY);
		if (why == ACCESS_UNKNOWN || why == ACCESS_REVOKED)
			reader_guessed(h, d, reader);
		else if (why == ACCESS_BAD_PIN && c != NULL)
			reader_pin_wrong(h, d, reader, c);
		return;
	}
	/* A grant nobody could read back is not made (DESIGN 8): entry
	 * waits for the journal, exit never does (REX is not decided here).
	 * While the disk fails it is refused at once. */
	if (journal_failing(h->journal)) {
		json_object_set_new(detail, "reason", json_string("storage"));
		house_journal(h, "access.denied", d->name, "system", subject,
		    detail);
		log_warnx("%s: access not granted: the journal cannot record "
		    "it (storage fault)", d->name);
		reader_signal(h, reader, HAL_SIGNAL_DENY);
		return;
	}
	if ((seq = house_journal(h, "access.granted", d->name, "system",
	    subject, detail)) < 0) {
		log_warnx("%s: access not granted: the journal cannot record "
		    "it", d->name);
		reader_signal(h, reader, HAL_SIGNAL_DENY);
		return;
	}
	/* The reader's count is reset now and kept once the grant's row
	 * is committed (reader_grant_done): here its write could wait for
	 * an unrelated journal commit in progress (the denial's before). */
	forgive = d->lockout.failures > 0;
	if (forgive)
		lockout_success(&d->lockout);
	/* Silent: the door opens as for the right PIN, nothing shows at
	 * the door, and the house closes behind her. */
	if (duress) {
		house_journal(h, "alarm.duress", d->name, "system", subject,
		    json_pack("{s:I}", "alarm",
		    (json_int_t)alarm_raise(h, "duress", d->name, false)));
		mode_run_input(h, MODE_IN_DURESS, MODE_BY_SYSTEM,
		    "system", d->name);
	}
	reader_grant_wait(h, d, reader, seq, forgive);
}

/* Journal an enrolment at a reader that ended without a credential. */
static void
reader_enrol_ended(struct husvagt *h, const struct enrol_slot *s,
    const char *why)
{
	house_journal(h, "credential.enrol_failed", "", s->actor,
	    json_string_value(json_object_get(s->args, "holder")),
	    json_pack("{s:s, s:s}", "reader",
	    hal_point_info(h->hal, s->point)->role, "reason", why));
}

/* Try to enrol the card at an armed reader; true when it was taken. */
static bool
reader_enrol_take(struct husvagt *h, int point, int bits, uint64_t number)
{
	struct enrol_slot *s = reader_enrol_find(h, point);
	const char *err = NULL;
	int64_t id;

	if (s == NULL || strcmp(s->state, "waiting"))
		return false;
	id = chip_enrol(h, s->args, bits, number, s->actor, &err);
	if (id < 0) {
		snprintf(s->state, sizeof(s->state), "failed");
		snprintf(s->error, sizeof(s->error), "%s", err);
		reader_enrol_ended(h, s, err);
	} else {
		snprintf(s->state, sizeof(s->state), "enrolled");
		s->id = id;
	}
	return true;
}

/*
 * A chip at the staff duty reader (role duty.reader, no door): a live
 * staff chip clocks its holder in, or out when on duty; any other chip
 * is refused and journalled.  No door moves.  Zones and time windows are
 * a chip's doors and hours, so they do not apply here; its validity
 * does.
 */
static void
reader_duty(struct husvagt *h, const struct hal_event *ev, const char *reader)
{
	struct access_request req;
	struct access_cred cred;
	uint8_t mac[KEYS_MAC_LEN];
	char tag[17], since[40];
	enum access_reason why = ACCESS_UNKNOWN;
	const char *login = NULL, *reason;
	json_t *detail;
	int on;

	keys_card_mac(&h->keys, ev->bits, ev->number, mac);
	reader_mac_tag(mac, tag);
	memset(&req, 0, sizeof(req));
	req.zone = "duty";
	req.now = (int64_t)clock_wall();
	unsigned roles = 0;

	switch (cred_lookup(h->db, mac, &cred)) {
	case 1:
		snprintf(cred.zones, sizeof(cred.zones), "*");
		cred.nwindows = 0;
		why = access_decide(&cred, &req, NULL);
		if (!strncmp(cred.holder, "staff:", 6))
			login = cred.holder + 6;
		break;
	case -1:
		alarm_check_failed(h, "credential");
		why = ACCESS_ERROR;
		break;
	}
	if (why == ACCESS_OK && login != NULL &&
	    staff_roles_check(h, login, &roles) == -1)
		why = ACCESS_ERROR;
	reason = why != ACCESS_OK ? access_reason_name(why) :
	    login == NULL || roles == 0 ? "not_staff" : NULL;
	if (reason == NULL && (on = duty_is_on(h, login)) >= 0 &&
	    duty_set(h, login, !on, "reader", login, since,
	    sizeof(since)) == NULL)
		return;
	detail = json_pack("{s:s, s:s}", "reader", reader, "reason",
	    reason != NULL ? reason : "internal");
	if (why != ACCESS_UNKNOWN && why != ACCESS_ERROR)
		json_object_set_new(detail, "credential",
		    json_integer(cred.id));
	else
		json_object_set_new(detail, "card", json_string(tag));
	house_journal(h, "access.denied", reader, "system",
	    why != ACCESS_UNKNOWN && why != ACCESS_ERROR ? cred.holder : "",
	    detail);
}

void
reader_card(struct husvagt *h, const struct hal_event *ev)
{
	const char *reader = hal_point_info(h->hal, ev->point)->role;
	struct door_rt *d = reader_door(h, ev->point);
	struct access_request req;
	struct access_cred cred, *c = NULL;
	uint8_t mac[KEYS_MAC_LEN];
	char tag[17];
	enum access_reason why;
	bool duress = false;
	int found, waits;

	if (reader_enrol_take(h, ev->point, ev->bits, ev->number))
		return;
	if (d == NULL && !strcmp(reader, "duty.reader"))
		reader_duty(h, ev, reader);
	if (d == NULL)
		return;
	keys_card_mac(&h->keys, ev->bits, ev->number, mac);
	reader_mac_tag(mac, tag);
	found = cred_lookup(h->db, mac, &cred);
	if (found == 1)
		c = &cred;
	reader_request(h, d, &req, ev->point, ev->at_ms);
	/* A reader locked by unknown cards refuses unknown cards only. */
	req.locked_out = found != 1 && guess_blocked(&d->lockout,
	    clock_wall_ms(), h->lockout_cfg.lock_max_ms);
	/* Judge everything but the PIN first: no point asking for it. */
	req.pin = ACCESS_PIN_MATCH;
	why = access_decide(c, &req, &duress);
	if (found == -1 && why != ACCESS_LOCKED_OUT) {
		/* Fails closed: a lookup that failed is not "unknown". */
		alarm_check_failed(h, "credential");
		why = ACCESS_ERROR;
	}
	if (why == ACCESS_OK && d->cfg->pin && c->has_pin &&
	    (waits = reader_pin_waits(h, c->id)) != 0)
		why = waits > 0 ? ACCESS_PIN_DELAY : ACCESS_ERROR;
	if (why == ACCESS_OK && d->cfg->pin && c->has_pin) {
		d->pin_cred = c->id;
		d->pin_until = ev->at_ms + (uint64_t)h->cfg.pin_timeout_s * 1000;
		d->pin_len = 0;
		return;
	}
	if (why == ACCESS_OK && d->cfg->pin)
		why = ACCESS_PIN_REQUIRED;
	reader_decided(h, d, reader, c, tag, why, false, ev->at_ms);
}

/* The PIN is complete: decide with it. */
static void
reader_pin_done(struct husvagt *h, struct door_rt *d, int point,
    uint64_t now)
{
	const char *reader = hal_point_info(h->hal, point)->role;
	struct access_request req;
	struct access_cred cred;
	bool duress = false;
	enum access_reason why;
	int64_t id = d->pin_cred;

	d->pin_buf[d->pin_len] = '\0';
	d->pin_cred = 0;
	switch (cred_lookup_id(h->db, id, &cred)) {
	case 1:
		break;
	case -1:
		explicit_bzero(d->pin_buf, sizeof(d->pin_buf));
		d->pin_len = 0;
		alarm_check_failed(h, "credential");
		reader_decided(h, d, reader, NULL, NULL, ACCESS_ERROR, false,
		    now);
		return;
	default:
		return;
	}
	reader_request(h, d, &req, point, now);
	req.pin = cred_pin_check(h->db, &h->keys, id, d->pin_buf,
	    h->cfg.duress);
	explicit_bzero(d->pin_buf, sizeof(d->pin_buf));
	d->pin_len = 0;
	why = access_decide(&cred, &req, &duress);
	if (why == ACCESS_OK)
		reader_pin_right(h, id);
	reader_decided(h, d, reader, &cred, NULL, why, duress, now);
}

void
reader_key(struct husvagt *h, const struct hal_event *ev)
{
	struct door_rt *d = reader_door(h, ev->point);

	if (d == NULL || d->pin_cred == 0)
		return;		/* keys without a card first mean nothing */
	if (ev->value == 10) {			/* '*': start again */
		d->pin_len = 0;
		return;
	}
	if (ev->value == 11) {			/* '#': done */
		reader_pin_done(h, d, ev->point, ev->at_ms);
		return;
	}
	if (d->pin_len < (int)sizeof(d->pin_buf) - 1)
		d->pin_buf[d->pin_len++] = (char)('0' + ev->value);
}

void
reader_bad_frame(struct husvagt *h, const struct hal_event *ev)
{
	const struct board_point *bp = hal_point_info(h->hal, ev->point);
	struct door_rt *d = reader_door(h, ev->point);

	house_journal(h, "reader.bad_frame", d != NULL ? d->name : "",
	    "system", "", json_pack("{s:s, s:i, s:s}", "reader", bp->role,
	    "bits", ev->bits, "reason", ev->reason != NULL ? ev->reason : ""));
}

/* A card waited for its PIN too long: refuse. */
static void
reader_pin_timeout(struct husvagt *h, struct door_rt *d, uint64_t now)
{
	struct access_cred cred;
	const char *reader = d->p_reader >= 0 ?
	    hal_point_info(h->hal, d->p_reader)->role : "";

	if (cred_lookup_id(h->db, d->pin_cred, &cred) != 1)
		cred.id = 0;
	d->pin_cred = 0;
	d->pin_len = 0;
	explicit_bzero(d->pin_buf, sizeof(d->pin_buf));
	reader_decided(h, d, reader, cred.id ? &cred : NULL, NULL,
	    ACCESS_PIN_REQUIRED, false, now);
}

void
reader_tick(struct husvagt *h, uint64_t now)
{
	int i;

	for (i = 0; i < h->ndoors; i++)
		if (h->doors[i].pin_cred != 0 && h->doors[i].pin_until <= now)
			reader_pin_timeout(h, &h->doors[i], now);
	reader_osdp_tick(h, now);
	for (i = 0; i < ENROL_SLOTS; i++) {
		struct enrol_slot *s = &h->enrol[i];

		if (s->point >= 0 && !strcmp(s->state, "waiting") &&
		    s->until <= now) {
			snprintf(s->state, sizeof(s->state), "timeout");
			reader_enrol_ended(h, s, "timeout");
		}
	}
}

uint64_t
reader_deadline(struct husvagt *h)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < h->ndoors; i++)
		if (h->doors[i].pin_cred != 0 &&
		    (t == 0 || h->doors[i].pin_until < t))
			t = h->doors[i].pin_until;
	for (i = 0; i < ENROL_SLOTS; i++)
		if (h->enrol[i].point >= 0 &&
		    !strcmp(h->enrol[i].state, "waiting") &&
		    (t == 0 || h->enrol[i].until < t))
			t = h->enrol[i].until;
	if (reader_osdp_deadline(h) != 0 && (t == 0 ||
	    reader_osdp_deadline(h) < t))
		t = reader_osdp_deadline(h);
	return t;
}

struct enrol_slot *
reader_enrol_find(struct husvagt *h, int point)
{
	int i;

	for (i = 0; i < ENROL_SLOTS; i++)
		if (h->enrol[i].point == point)
			return &h->enrol[i];
	return NULL;
}

/*
 * Whoever armed a reader and waits for its chip went away (Ctrl-C, a
 * closed terminal): nobody would hear of the enrolment, and the next chip
 * presented there, anybody's, would get the holder's zones.  Disarm.
 */
void
reader_enrol_abandon(struct husvagt *h, uint64_t conn)
{
	struct enrol_slot *s;
	int i;

	for (i = 0; conn != 0 && i < ENROL_SLOTS; i++) {
		s = &h->enrol[i];
		if (s->point < 0 || s->conn != conn ||
		    strcmp(s->state, "waiting"))
			continue;
		snprintf(s->state, sizeof(s->state), "cancelled");
		house_journal(h, "credential.enrol_cancelled", "", s->actor,
		    json_string_value(json_object_get(s->args, "holder")),
		    json_pack("{s:s, s:s}", "reader",
		    hal_point_info(h->hal, s->point)->role, "reason",
		    "client_gone"));
	}
}

struct enrol_slot *
reader_enrol_arm(struct husvagt *h, int point, const json_t *args,
    const char *actor, uint64_t now)
{
	struct enrol_slot *s = reader_enrol_find(h, point);
	json_t *t = json_object_get(args, "timeout");
	int i;

	for (i = 0; s == NULL && i < ENROL_SLOTS; i++)
		if (h->enrol[i].point < 0 ||
		    strcmp(h->enrol[i].state, "waiting"))
			s = &h->enrol[i];
	if (s == NULL || (s->point == point && !strcmp(s->state, "waiting")))
		return NULL;
	json_decref(s->args);
	memset(s, 0, sizeof(*s));
	s->point = point;
	s->until = now + (uint64_t)(json_is_integer(t) ?
	    json_integer_value(t) : h->cfg.enrol_timeout_s) * 1000;
	s->args = json_deep_copy(args);
	snprintf(s->actor, sizeof(s->actor), "%s", actor);
	snprintf(s->state, sizeof(s->state), "waiting");
	return s;
}
