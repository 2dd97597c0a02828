/*
 * The journal against real SQLite files: appends chain and verify; every
 * kind of tampering done with raw SQL is found and named by seq; exports
 * carry exactly the rows; a reopened journal continues its chain; a full
 * disk loses the row but not the chain.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "db.h"
#include "journal.h"
#include "journal_anchor.h"
#include "keys.h"
#include "tmpdir.h"

static char *const dir = tmpdir_group_dir;
static struct keys keys;

struct fx {
	char		 path[512];
	sqlite3		*db;
	struct journal	*j;
	int		 hook_calls;
	int64_t		 hook_seq;
};

static void
hook(void *arg, int64_t seq)
{
	struct fx *f = arg;

	f->hook_calls++;
	f->hook_seq = seq;
}

static int
group_setup(void **state)
{
	return tmpdir_group_setup_keys(state, &keys);
}

static void
fx_open(struct fx *f)
{
	f->db = db_open(f->path);
	assert_non_null(f->db);
	f->j = journal_open(f->db, keys.journal);
	assert_non_null(f->j);
	journal_set_hook(f->j, hook, f);
}

static void
fx_close(struct fx *f)
{
	journal_close(f->j);
	db_close(f->db);
	f->j = NULL;
	f->db = NULL;
}

/* A fresh database holding five rows. */
static int
setup(void **state)
{
	static int n;
	struct fx *f = calloc(1, sizeof(*f));
	char name[32];
	int i;

	snprintf(name, sizeof(name), "journal-%d.db", ++n);
	tmpdir_path(f->path, dir, name);
	fx_open(f);
	for (i = 1; i <= 5; i++) {
		json_t *d = json_pack("{s:i, s:s}", "n", i, "reason",
		    "a \"quoted\", comma");
		if (journal_append(f->j, "access.granted", "front", "system",
		    "stay:12", d) != i)
			return -1;
		json_decref(d);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	fx_close(f);
	free(f);
	return 0;
}

static void
sql(struct fx *f, const char *s)
{
	assert_int_equal(db_exec(f->db, s), 0);
}

/* Verify and expect it broken at seq with reason containing text. */
static void
expect_broken(struct fx *f, int64_t seq, const char *text)
{
	struct journal_verify v;

	assert_int_equal(journal_verify(f->db, keys.journal, &v), 1);
	assert_int_equal(v.bad_seq, seq);
	if (strstr(v.reason, text) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", v.reason, text);
}

static void
expect_intact(struct fx *f, int64_t rows)
{
	struct journal_verify v;

	assert_int_equal(journal_verify(f->db, keys.journal, &v), 0);
	assert_int_equal(v.rows, rows);
	assert_int_equal(v.bad_seq, 0);
}

static void
test_append_verify(void **state)
{
	struct fx *f = *state;

	expect_intact(f, 5);
	assert_int_equal(journal_last_seq(f->j), 5);
	assert_int_equal(f->hook_calls, 5);
	assert_int_equal(f->hook_seq, 5);
	/* NULL detail, point and subject are stored as "{}" and "". */
	assert_int_equal(journal_append(f->j, "system.started", NULL, "system",
	    NULL, NULL), 6);
	expect_intact(f, 6);
}

static void
test_empty(void **state)
{
	struct fx *f = *state;

	sql(f, "DELETE FROM journal; DELETE FROM journal_head");
	expect_intact(f, 0);
}

/* Change one column of row 3, expect it named, put it back. */
static void
edit_column(struct fx *f, const char *column, const char *value)
{
	char s[256];

	snprintf(s, sizeof(s), "CREATE TEMP TABLE saved AS SELECT %s AS v "
	    "FROM journal WHERE seq = 3", column);
	sql(f, s);
	snprintf(s, sizeof(s), "UPDATE journal SET %s = %s WHERE seq = 3",
	    column, value);
	sql(f, s);
	expect_broken(f, 3, "row 3: MAC does not match (row edited)");
	snprintf(s, sizeof(s), "UPDATE journal SET %s = (SELECT v FROM saved)"
	    " WHERE seq = 3; DROP TABLE saved", column);
	sql(f, s);
	expect_intact(f, 5);
}

static void
test_edit_row(void **state)
{
	struct fx *f = *state;

	edit_column(f, "detail", "'{\"n\":3,\"reason\":\"other\"}'");
	edit_column(f, "type", "'access.denied'");
	edit_column(f, "time", "'2020-01-01T00:00:00.000Z'");
	edit_column(f, "point", "'back'");
	edit_column(f, "actor", "'mette'");
	edit_column(f, "subject", "'stay:13'");
	edit_column(f, "mac", "randomblob(32)");
	edit_column(f, "mac", "x'00'");
}

static void
test_shift_between_fields(void **state)
{
	struct fx *f = *state;

	/* The same bytes split differently between type and point. */
	sql(f, "UPDATE journal SET type = 'access.grantedf', point = 'ront' "
	    "WHERE seq = 2");
	expect_broken(f, 2, "row 2: MAC does not match");
}

static void
test_delete_middle(void **state)
{
	struct fx *f = *state;

	sql(f, "DELETE FROM journal WHERE seq = 3");
	expect_broken(f, 3, "row 3 missing (rows 2 and 4 present)");
	sql(f, "DELETE FROM journal WHERE seq = 4");
	expect_broken(f, 3, "rows 3-4 missing (rows 2 and 5 present)");
}

static void
test_delete_first(void **state)
{
	struct fx *f = *state;

	sql(f, "DELETE FROM journal WHERE seq = 1");
	expect_broken(f, 1, "row 1 missing (row 2 is the first present)");
}

static void
test_delete_renumbered(void **state)
{
	struct fx *f = *state;

	/* Closing the gap by renumbering does not help: seq is in the MAC. */
	sql(f, "DELETE FROM journal WHERE seq = 3;"
	    "UPDATE journal SET seq = seq - 1 WHERE seq > 3;"
	    "UPDATE journal_head SET seq = 4");
	expect_broken(f, 3, "row 3: MAC does not match");
}

static void
test_delete_last(void **state)
{
	struct fx *f = *state;

	sql(f, "DELETE FROM journal WHERE seq = 5");
	expect_broken(f, 5, "row 5 missing at the end (head says 5, last row "
	    "is 4)");
	sql(f, "DELETE FROM journal WHERE seq >= 3");
	expect_broken(f, 3, "rows 3-5 missing at the end");
}

/* Cutting rows off the end and moving the head over them is caught by the
 * head's keyed seal, which nobody without the key can recompute. */
static void
test_cut_and_head_moved(void **state)
{
	struct fx *f = *state;

	sql(f, "DELETE FROM journal WHERE seq >= 4");
	sql(f, "UPDATE journal_head SET seq = 3, mac = (SELECT mac FROM "
	    "journal WHERE seq = 3)");
	expect_broken(f, 3, "head seal does not match row 3 (head rewritten: "
	    "rows after it may have been cut off)");
}

static void
test_head_edited(void **state)
{
	struct fx *f = *state;

	sql(f, "UPDATE journal_head SET mac = randomblob(32)");
	expect_broken(f, 5, "head MAC does not match row 5 (head edited)");
	sql(f, "UPDATE journal_head SET seq = 4, mac = (SELECT mac FROM "
	    "journal WHERE seq = 4)");
	expect_broken(f, 5, "head says 4 but rows run to 5 (head edited)");
	sql(f, "DELETE FROM journal_head");
	expect_broken(f, 5, "journal head missing");
}

static void
test_reopen_continues(void **state)
{
	struct fx *f = *state;

	fx_close(f);
	fx_open(f);
	assert_int_equal(journal_last_seq(f->j), 5);
	assert_int_equal(journal_append(f->j, "door.opened", "front", "system",
	    "", NULL), 6);
	expect_intact(f, 6);
}

static void
test_reopen_refuses_headless(void **state)
{
	struct fx *f = *state;

	/* Without a head every append would collide with row 1. */
	sql(f, "DELETE FROM journal_head");
	journal_close(f->j);
	assert_null(journal_open(f->db, keys.journal));
	f->j = NULL;
}

static void
test_reopen_after_cut(void **state)
{
	struct fx *f = *state;

	/* Rows cut off the end: appending keeps the gap for verify. */
	sql(f, "DELETE FROM journal WHERE seq = 5");
	fx_close(f);
	fx_open(f);
	assert_int_equal(journal_append(f->j, "door.opened", "front", "system",
	    "", NULL), 6);
	expect_broken(f, 5, "row 5 missing (rows 4 and 6 present)");
}

static void
test_disk_full(void **state)
{
	struct fx *f = *state;
	json_t *big;
	char *pad;
	int calls = f->hook_calls;

	pad = malloc(200000);
	memset(pad, 'x', 199999);
	pad[199999] = '\0';
	big = json_pack("{s:s}", "pad", pad);
	sql(f, "PRAGMA wal_checkpoint(TRUNCATE)");
	sql(f, "PRAGMA max_page_count = 10");
	assert_int_equal(journal_append(f->j, "door.held", "front", "system",
	    "", big), -1);
	assert_int_equal(journal_append(f->j, "door.held", "front", "system",
	    "", big), -1);
	assert_int_equal(f->hook_calls, calls);
	assert_int_equal(journal_last_seq(f->j), 5);
	sql(f, "PRAGMA max_page_count = 1000000");
	assert_int_equal(journal_append(f->j, "door.held", "front", "system",
	    "", big), 6);
	assert_int_equal(f->hook_seq, 6);
	expect_intact(f, 6);
	json_decref(big);
	free(pad);
}

static void
test_bad_input(void **state)
{
	struct fx *f = *state;
	json_t *arr = json_array();

	assert_int_equal(journal_append(f->j, "x.y", "", "system", "", arr),
	    -1);
	assert_int_equal(journal_append(f->j, NULL, "", "system", "", NULL),
	    -1);
	assert_int_equal(journal_append(f->j, "x.y", "", NULL, "", NULL), -1);
	assert_int_equal(journal_append(f->j, "x.y", "", "system", "", NULL),
	    6);
	expect_intact(f, 6);
	json_decref(arr);
}

static void
test_detail_sorted(void **state)
{
	struct fx *f = *state;
	json_t *d = json_pack("{s:i, s:i, s:[i]}", "zeta", 1, "alpha", 2,
	    "mid", 3);
	sqlite3_stmt *st;

	assert_int_equal(journal_append(f->j, "x.y", "", "system", "", d), 6);
	json_decref(d);
	assert_int_equal(db_prepare(f->db, "SELECT detail FROM journal WHERE "
	    "seq = 6", &st), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(st, 0),
	    "{\"alpha\":2,\"mid\":[3],\"zeta\":1}");
	sqlite3_finalize(st);
}

static void
test_rows_tail(void **state)
{
	struct fx *f = *state;
	json_t *r;

	r = journal_rows(f->db, 2, INT64_MAX, 2);
	assert_int_equal(json_array_size(r), 2);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(r, 0), "seq")), 3);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(r, 1), "seq")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    json_array_get(r, 1), "detail"), "n")), 4);
	json_decref(r);
	r = journal_tail(f->db, INT64_MAX, 2);
	assert_int_equal(json_array_size(r), 2);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(r, 0), "seq")), 4);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(r, 1), "seq")), 5);
	json_decref(r);
	r = journal_rows(f->db, 5, 10, 10);
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
	/* Nothing past upto (the last committed seq), from either end. */
	r = journal_rows(f->db, 1, 3, 10);
	assert_int_equal(json_array_size(r), 2);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(r, 1), "seq")), 3);
	json_decref(r);
	r = journal_tail(f->db, 3, 2);
	assert_int_equal(json_array_size(r), 2);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(r, 1), "seq")), 3);
	json_decref(r);
}

/* Export to memory; returns malloc'd text. */
static char *
export(struct fx *f, const char *format, const char *from, const char *to,
    int64_t want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	assert_non_null(mem);
	assert_int_equal(journal_export(f->db, format, from, to, mem), want);
	fclose(mem);
	return buf;
}

static void
test_export_csv(void **state)
{
	struct fx *f = *state;
	sqlite3_stmt *st;
	char want[512], *csv, *line;

	sql(f, "UPDATE journal SET point = 'front, \"main\"' WHERE seq = 2");
	csv = export(f, "csv", NULL, NULL, 5);
	assert_int_equal(strncmp(csv, "seq,time,type,point,actor,subject,"
	    "detail\r\n", 41), 0);
	assert_int_equal(db_prepare(f->db, "SELECT time FROM journal WHERE "
	    "seq = 2", &st), 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(want, sizeof(want), "\r\n2,%s,access.granted,\"front, "
	    "\"\"main\"\"\",system,stay:12,\"{\"\"n\"\":2,\"\"reason\"\":"
	    "\"\"a \\\"\"quoted\\\"\", comma\"\"}\"\r\n3,",
	    sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if ((line = strstr(csv, want)) == NULL)
		fail_msg("csv lacks %s in:\n%s", want, csv);
	free(csv);
}

/* An export bounded by seq: the rows up to it and no more; 0 is all. */
static void
test_export_upto(void **state)
{
	struct fx *f = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	assert_non_null(mem);
	assert_int_equal(journal_export_upto(f->db, "csv", NULL, NULL, 3,
	    mem), 3);
	fclose(mem);
	assert_non_null(strstr(buf, "\r\n3,"));
	assert_null(strstr(buf, "\r\n4,"));
	free(buf);
	buf = NULL;
	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	assert_int_equal(journal_export_upto(f->db, "json", NULL, NULL, 0,
	    mem), 5);
	fclose(mem);
	free(buf);
}

static void
test_export_json(void **state)
{
	struct fx *f = *state;
	json_t *a, *row;
	char *text;

	text = export(f, "json", NULL, NULL, 5);
	a = json_loads(text, 0, NULL);
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 5);
	row = json_array_get(a, 4);
	assert_int_equal(json_integer_value(json_object_get(row, "seq")), 5);
	assert_string_equal(json_string_value(json_object_get(row, "type")),
	    "access.granted");
	assert_string_equal(json_string_value(json_object_get(row, "point")),
	    "front");
	assert_string_equal(json_string_value(json_object_get(row,
	    "subject")), "stay:12");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    row, "detail"), "reason")), "a \"quoted\", comma");
	assert_null(json_object_get(row, "mac"));
	json_decref(a);
	free(text);
	text = export(f, "xml", NULL, NULL, -1);
	free(text);
}

static void
test_export_range(void **state)
{
	struct fx *f = *state;
	json_t *a;
	char *text;

	sql(f, "UPDATE journal SET time = '2026-11-2' || seq || "
	    "'T10:00:00.000Z'");
	text = export(f, "json", "2026-11-22", "2026-11-24T10:00:00.000Z", 2);
	a = json_loads(text, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(a, 0), "seq")), 2);
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(a, 1), "seq")), 3);
	json_decref(a);
	free(text);
	text = export(f, "csv", "2027-01-01", NULL, 0);
	assert_string_equal(text, "seq,time,type,point,actor,subject,"
	    "detail\r\n");
	free(text);
	text = export(f, "json", "2027-01-01", NULL, 0);
	a = json_loads(text, 0, NULL);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	free(text);
}

/* Staff's free text goes beside the row: the row holds its HMAC, never
 * the text; an edited text is found; an erased one leaves the chain
 * intact. */
static void
test_text_beside_row(void **state)
{
	struct fx *f = *state;
	struct journal_text t = { "override_reason", "Karen came early", 3 };
	json_t *rows, *d;
	int64_t seq;
	char *text;

	seq = journal_append_text(f->j, "visit.admitted", "front", "anna",
	    "visit:1", NULL, &t);
	assert_int_equal(seq, 6);
	rows = journal_rows(f->db, 5, INT64_MAX, 10);
	d = json_object_get(json_array_get(rows, 0), "detail");
	assert_int_equal(strlen(json_string_value(json_object_get(d,
	    "override_reason_hmac"))), 64);
	text = json_dumps(rows, 0);
	assert_null(strstr(text, "Karen"));
	free(text);
	json_decref(rows);
	expect_intact(f, 6);
	sql(f, "UPDATE journal_text SET text = 'Karen came late'");
	expect_broken(f, 6, "text edited");
	/* Its stay (3) has not departed: retention keeps it. */
	assert_int_equal(journal_text_erase(f->db, "9999-01-01"), 0);
	sql(f, "DELETE FROM journal_text");
	expect_intact(f, 6);
}

/* The anchor follows each commit, a torn slot falls back to the other,
 * and the database is judged against it. */
static void
test_anchor(void **state)
{
	struct fx *f = *state;
	struct journal_anchor a = { .fd = -1 };
	struct journal_anchor_rec rec, zero;
	char path[512], why[ANCHOR_REASON_MAX];
	uint8_t junk[64];
	int64_t bad;
	FILE *fp;

	memset(&zero, 0, sizeof(zero));
	tmpdir_path(path, dir, "anchor-test");
	unlink(path);
	assert_int_equal(journal_anchor_read(path, keys.journal, &rec, why,
	    sizeof(why)), 0);
	assert_int_equal(journal_anchor_open(&a, path, keys.journal, &zero), 0);
	/* A new anchor holds a good slot before any commit moves it. */
	assert_int_equal(journal_anchor_read(path, keys.journal, &rec, why,
	    sizeof(why)), 1);
	assert_int_equal(rec.seq, 0);
	journal_set_anchor(f->j, &a);
	assert_int_equal(journal_append(f->j, "door.opened", "front",
	    "system", NULL, NULL), 6);
	assert_int_equal(journal_append(f->j, "door.closed", "front",
	    "system", NULL, NULL), 7);
	assert_int_equal(journal_anchor_read(path, keys.journal, &rec, why,
	    sizeof(why)), 1);
	assert_int_equal(rec.seq, 7);
	assert_int_equal(journal_anchor_judge(f->db, &rec, &bad, why,
	    sizeof(why)), 0);
	/* A batch moves it once, at its commit. */
	assert_int_equal(journal_batch_begin(f->j), 0);
	assert_int_equal(journal_append(f->j, "mode.fire", "", "system",
	    NULL, NULL), 8);
	assert_int_equal(journal_anchor_read(path, keys.journal, &rec, why,
	    sizeof(why)), 1);
	assert_int_equal(rec.seq, 7);
	assert_int_equal(journal_batch_end(f->j), 0);
	assert_int_equal(journal_anchor_read(path, keys.journal, &rec, why,
	    sizeof(why)), 1);
	assert_int_equal(rec.seq, 8);
	/* Tear the newer slot (the open wrote gen 1, then 6, 7 and 8: 8
	 * went to slot gen 4 % 2 = 0): 7 is read. */
	memset(junk, 0x5a, sizeof(junk));
	fp = fopen(path, "r+");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 40, SEEK_SET), 0);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
	fclose(fp);
	assert_int_equal(journal_anchor_read(path, keys.journal, &rec, why,
	    sizeof(why)), 1);
	assert_int_equal(rec.seq, 7);
	/* An anchor behind the database is good; ahead of it is not. */
	assert_int_equal(journal_anchor_judge(f->db, &rec, &bad, why,
	    sizeof(why)), 0);
	rec.seq = 9;
	assert_int_equal(journal_anchor_judge(f->db, &rec, &bad, why,
	    sizeof(why)), 1);
	assert_non_null(strstr(why, "the database ends at row 8"));
	/* The anchored row replaced by another with its seq. */
	rec.seq = 7;
	rec.mac[0] ^= 1;
	assert_int_equal(journal_anchor_judge(f->db, &rec, &bad, why,
	    sizeof(why)), 1);
	assert_int_equal(bad, 7);
	assert_non_null(strstr(why, "replaced"));
	/* A wiped database. */
	sql(f, "DELETE FROM journal; DELETE FROM journal_head");
	rec.mac[0] ^= 1;
	assert_int_equal(journal_anchor_judge(f->db, &rec, &bad, why,
	    sizeof(why)), 1);
	assert_non_null(strstr(why, "wiped"));
	/* Another device's key cannot have written it. */
	{
		uint8_t other[KEYS_LEN];

		memcpy(other, keys.journal, KEYS_LEN);
		other[0] ^= 1;
		assert_int_equal(journal_anchor_read(path, other, &rec, why,
		    sizeof(why)), -1);
	}
	journal_set_anchor(f->j, NULL);
	journal_anchor_close(&a);
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_append_verify),
		T(test_empty),
		T(test_edit_row),
		T(test_shift_between_fields),
		T(test_delete_middle),
		T(test_delete_first),
		T(test_delete_renumbered),
		T(test_delete_last),
		T(test_cut_and_head_moved),
		T(test_head_edited),
		T(test_reopen_continues),
		T(test_reopen_refuses_headless),
		T(test_reopen_after_cut),
		T(test_disk_full),
		T(test_bad_input),
		T(test_detail_sorted),
		T(test_rows_tail),
		T(test_export_upto),
		T(test_export_csv),
		T(test_export_json),
		T(test_export_range),
		T(test_text_beside_row),
		T(test_anchor),
	};

	return cmocka_run_group_tests(tests, group_setup,
	    tmpdir_group_teardown);
}
