/*
 * Verbs about the journal: tail, rows (for following), export and verify.
 * An export is itself journalled: who took a copy of the record is part
 * of the record.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_verbs.h"
#include "house.h"
#include "journal.h"

json_t *
cmd_journal_tail(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *n = json_object_get(args, "n");
	json_t *rows = journal_tail(h->db, journal_committed_seq(h->journal),
	    n != NULL ? (int)json_integer_value(n) : 20);

	(void)a;
	if (rows == NULL)
		return cmd_error("failed", "could not read the journal");
	return cmd_ok(json_pack("{s:o}", "rows", rows));
}

json_t *
cmd_journal_rows(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	json_t *lim = json_object_get(args, "limit");
	json_t *rows = journal_rows(h->db,
	    json_integer_value(json_object_get(args, "after")),
	    journal_committed_seq(h->journal),
	    lim != NULL ? (int)json_integer_value(lim) : 500);

	(void)a;
	if (rows == NULL)
		return cmd_error("failed", "could not read the journal");
	return cmd_ok(json_pack("{s:o}", "rows", rows));
}

/*
 * A bound of an export: the journal's own UTC times compare as text, so a
 * bound is a prefix of one: a date, or a date and time ending in Z.
 */
static bool
cmd_journal_time_ok(const char *s)
{
	static const char date[] = "dddd-dd-dd", full[] = "dddd-dd-ddTdd:dd:dd";
	size_t i, n = strlen(s);

	for (i = 0; i < n && i < sizeof(full) - 1; i++)
		if (full[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != full[i])
			return false;
	if (n == sizeof(date) - 1)
		return true;
	if (n < sizeof(full) - 1)
		return false;
	if (n == sizeof(full) && s[n - 1] == 'Z')
		return true;
	return n == sizeof(full) + 4 && s[sizeof(full) - 1] == '.' &&
	    strspn(s + sizeof(full), "0123456789") == 3 && s[n - 1] == 'Z';
}

json_t *
cmd_journal_export(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	const char *fmt = json_string_value(json_object_get(args, "format"));
	const char *from = json_string_value(json_object_get(args, "from"));
	const char *to = json_string_value(json_object_get(args, "to"));
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int64_t n;
	json_t *r;

	if (fmt == NULL)
		fmt = "csv";
	if ((from != NULL && !cmd_journal_time_ok(from)) ||
	    (to != NULL && !cmd_journal_time_ok(to)))
		return cmd_error("bad_value", "from and to must be YYYY-MM-DD "
		    "or YYYY-MM-DDTHH:MM:SS[.mmm]Z (UTC)");
	if (strcmp(fmt, "csv") && strcmp(fmt, "json"))
		return cmd_error("bad_value", "format must be csv or json");
	if (h->work.exporter != NULL) {
		/* Written by the worker to a file, streamed from there. */
		int64_t id = h->work.exporter(h->work.arg, fmt, from, to,
		    a->login);

		if (id < 0)
			return cmd_error("busy", "too much long work is waiting; "
			    "try again shortly");
		return cmd_deferred(id);
	}
	if ((mem = open_memstream(&buf, &len)) == NULL)
		return cmd_error("failed", "out of memory");
	n = journal_export(h->db, fmt, from, to, mem);
	fclose(mem);
	if (n < 0) {
		free(buf);
		return cmd_error("failed", "could not export the journal");
	}
	house_journal(h, "journal.exported", "", a->login, "",
	    json_pack("{s:s, s:I, s:s?, s:s?}", "format", fmt,
	    "rows", (json_int_t)n, "from", from, "to", to));
	r = json_pack("{s:s, s:I, s:s%}", "format", fmt, "rows",
	    (json_int_t)n, "data", buf, len);
	free(buf);
	return cmd_ok(r);
}

json_t *
cmd_journal_verify_reply(int rc, const struct journal_verify *v)
{
	if (rc < 0)
		return cmd_error("failed", "could not read the journal");
	return cmd_ok(json_pack("{s:b, s:I, s:I, s:s}", "ok", rc == 0,
	    "rows", (json_int_t)v->rows, "bad_seq", (json_int_t)v->bad_seq,
	    "reason", rc == 0 ? "" : v->reason));
}

/*
 * The walk takes seconds on a big journal: with the daemon's worker it
 * runs off the loop and the reply comes when it is done (cmd_deferred).
 */
json_t *
cmd_journal_verify(struct husvagt *h, const struct cmd_actor *a, json_t *args)
{
	char anchor[CONFIG_PATH_MAX + 32];
	struct journal_verify v;
	int64_t id;
	int rc;

	(void)a;
	(void)args;
	if (h->work.verify != NULL) {
		if ((id = h->work.verify(h->work.arg)) < 0)
			return cmd_error("busy", "too many journal "
			    "verifications are waiting; try again shortly");
		return cmd_deferred(id);
	}
	snprintf(anchor, sizeof(anchor), "%s/journal.anchor",
	    h->cfg.state_dir);
	rc = journal_verify_anchored(h->db, h->keys.journal, anchor, &v);
	return cmd_journal_verify_reply(rc, &v);
}
