/*
 * Verbs about chips: enrol (by typing the number or by presenting the
 * chip at a reader in enrol mode), enrol status, revoke, list.  The card
 * number is hashed by cred.c at once and never journalled or returned.
 */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cmd_verbs.h"
#include "chip.h"
#include "cred.h"
#include "house.h"
#include "register.h"

/* What an enrolment error code means, for the person who typed it. */
static const char *
cmd_chip_why(const char *err)
{
	static const struct { const char *code, *text; } why[] = {
		{ "bad_holder", "holder must be stay:ID or staff:LOGIN" },
		{ "bad_format", "format must be 26, 34 or 37" },
		{ "bad_number", "the number does not fit the card format" },
		{ "bad_zones", "zones must be a comma-separated list of zone "
		    "names (a-z, 0-9, '-')" },
		{ "bad_dates", "dates must be YYYY-MM-DD (or "
		    "YYYY-MM-DDTHH:MM:SSZ), valid_to not before valid_from" },
		{ "bad_windows", "windows must look like 'mon-fri 07:00-19:00; "
		    "sat 10:00-14:00'" },
		{ "bad_pin", "a PIN is 4 to 8 digits" },
		{ "bad_label", "a label is at most 64 characters, no control "
		    "characters" },
		{ "duplicate", "this chip is already enrolled" },
		{ "discharged", "the stay was discharged; a discharged stay "
		    "gets no chip" },
	};
	size_t i;

	for (i = 0; i < sizeof(why) / sizeof(why[0]); i++)
		if (!strcmp(why[i].code, err))
			return why[i].text;
	return "the credential store refused it";
}

static const char *
cmd_str(const json_t *args, const char *key)
{
	return json_string_value(json_object_get(args, key));
}

/* The card number from number, or facility + card for 26-bit. */
static int
cmd_chip_number(json_t *args, int *format, uint64_t *number, json_t **err)
{
	json_t *num = json_object_get(args, "number");
	json_t *fac = json_object_get(args, "facility");
	json_t *card = json_object_get(args, "card");

	*format = json_is_integer(json_object_get(args, "format")) ?
	    (int)json_integer_value(json_object_get(args, "format")) : 26;
	if (num != NULL && (fac != NULL || card != NULL)) {
		*err = cmd_error("bad_request", "give number, or facility and "
		    "card, not both");
		return -1;
	}
	if (num != NULL) {
		*number = (uint64_t)json_integer_value(num);
		return 0;
	}
	if (fac == NULL || card == NULL || *format != 26) {
		*err = cmd_error("missing_argument", "chip.enrol needs number, "
		    "facility and card (26-bit), or reader");
		return -1;
	}
	*number = ((uint64_t)json_integer_value(fac) << 16) |
	    (uint64_t)json_integer_value(card);
	return 0;
}

/* Arm a reader: the next chip presented there is enrolled. */
static json_t *
cmd_chip_arm(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *reader = cmd_str(args, "reader");
	int p = hal_point(h->hal, reader);
	struct cred_new cn;
	const char *err = NULL;

	if (p < 0 || h->board.points[p].kind != BOARD_READER)
		return cmd_error("not_found", "no reader '%.63s' on board %s",
		    reader, h->board.name);
	struct enrol_slot *s;

	if (chip_parse(args, &cn, &err) != 0)
		return cmd_error(err, "%s", cmd_chip_why(err));
	cn.format = 26;		/* the chip's own format is not known yet */
	if ((err = cred_check(&cn)) != NULL)
		return cmd_error(err, "%s", cmd_chip_why(err));
	s = reader_enrol_arm(h, p, args, a->login, clock_mono_ms());
	if (s == NULL)
		return cmd_error("busy", "%.63s is already waiting for a chip "
		    "to enrol", reader);
	s->conn = a->conn;	/* cancelled when the asker goes away */
	house_journal(h, "credential.enrol_armed", "", a->login,
	    cn.holder, json_pack("{s:s}", "reader", reader));
	return cmd_ok(json_pack("{s:b, s:s, s:I}", "armed", 1, "reader",
	    reader, "timeout_s", (json_int_t)((s->until - clock_mono_ms() +
	    500) / 1000)));
}

/*
 * A resident's chip (holder stay:ID): a stay the register does not know
 * and a discharged stay get none, and without zones it opens the front
 * door, her corridor and her room.  A chip for a stay that does not exist
 * (a mistyped number) would outlive her discharge, which revokes the
 * chips of her own stay only.  NULL, or the error reply.
 */
static json_t *
cmd_chip_stay(struct husvagt *h, json_t *args)
{
	int64_t id = register_holder_stay(cmd_str(args, "holder"));
	struct stay_place s;
	char zones[256];

	if (id == 0)
		return NULL;
	switch (register_stay_get(h, id, &s)) {
	case -1:
		return cmd_error("failed", "the register could not be read");
	case 0:
		return cmd_error("not_found", "no stay %lld in the register; "
		    "admit her first (stay.admit), then enrol her chip",
		    (long long)id);
	}
	if (!s.current)
		return cmd_error("discharged", "stay %lld was discharged on %s; "
		    "a discharged stay gets no chip", (long long)id,
		    s.departure);
	if (json_object_get(args, "zones") != NULL)
		return NULL;
	if (register_stay_zones(h, &s, zones, sizeof(zones)) == -1)
		return cmd_error("failed", "the zones of stay %lld do not fit",
		    (long long)id);
	json_object_set_new(args, "zones", json_string(zones));
	return NULL;
}

json_t *
cmd_chip_enrol(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *err = NULL;
	json_t *jerr = NULL;
	uint64_t number;
	int64_t id;
	int format;

	if ((jerr = cmd_chip_stay(h, args)) != NULL)
		return jerr;
	if (json_object_get(args, "reader") != NULL) {
		if (json_object_get(args, "number") != NULL ||
		    json_object_get(args, "card") != NULL)
			return cmd_error("bad_request", "give reader or a "
			    "number, not both");
		return cmd_chip_arm(h, a, args);
	}
	if (cmd_chip_number(args, &format, &number, &jerr) != 0)
		return jerr;
	if ((id = chip_enrol(h, args, format, number, a->login, &err)) < 0)
		return cmd_error(err, "chip not enrolled: %s",
		    cmd_chip_why(err));
	return cmd_ok(json_pack("{s:I, s:s}", "id", (json_int_t)id, "zones",
	    cmd_str(args, "zones") != NULL ? cmd_str(args, "zones") : ""));
}

json_t *
cmd_chip_enrol_status(struct husvagt *h, const struct cmd_actor *a,
    json_t *args)
{
	const char *reader = cmd_str(args, "reader");
	int p = hal_point(h->hal, reader);
	struct enrol_slot *s = p >= 0 ? reader_enrol_find(h, p) : NULL;
	json_t *r;

	(void)a;
	if (s == NULL)
		return cmd_error("not_found", "%.63s is not in enrol mode",
		    reader);
	r = json_pack("{s:s, s:s}", "reader", reader, "state", s->state);
	if (!strcmp(s->state, "enrolled"))
		json_object_set_new(r, "id", json_integer(s->id));
	if (s->error[0] != '\0')
		json_object_set_new(r, "error", json_string(s->error));
	return cmd_ok(r);
}

json_t *
cmd_chip_revoke(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *jid = json_object_get(args, "id");
	const char *holder = cmd_str(args, "holder");
	const char *err = NULL;
	int64_t now = (int64_t)clock_wall();
	int n;

	if ((jid == NULL) == (holder == NULL))
		return cmd_error("bad_request", "chip.revoke needs id or "
		    "holder, not both");
	if (jid != NULL) {
		if (cred_revoke(h->db, json_integer_value(jid), now, &err) != 0)
			return cmd_error(err, "credential %lld: %s",
			    (long long)json_integer_value(jid), err);
		h->ncreds--;
		house_journal(h, "credential.revoked", "", a->login, "",
		    json_pack("{s:O}", "credential", jid));
		return cmd_ok(json_pack("{s:i}", "revoked", 1));
	}
	/* A holder is an id, never a name: nothing else reaches the journal. */
	if (!cred_holder_ok(holder))
		return cmd_error("bad_holder", "%s", cmd_chip_why("bad_holder"));
	if ((n = cred_revoke_holder(h->db, holder, now)) < 0)
		return cmd_error("failed", "could not revoke");
	h->ncreds -= n;
	house_journal(h, "credential.revoked", "", a->login, holder,
	    json_pack("{s:i}", "count", n));
	return cmd_ok(json_pack("{s:i}", "revoked", n));
}

json_t *
cmd_chip_list(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *list = cred_list(h->db, cmd_str(args, "holder"));

	(void)a;
	if (list == NULL)
		return cmd_error("failed", "could not read the credentials");
	return cmd_ok(json_pack("{s:o}", "credentials", list));
}
