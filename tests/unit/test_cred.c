/*
 * The credential store against a real SQLite file: enrol, look up, revoke,
 * re-enrol a revoked chip, refuse a live duplicate, discharge a holder,
 * PIN and duress PIN, every validation error, and no MAC or card number
 * in a listing or in the database file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "cred.h"
#include "db.h"
#include "keys.h"
#include "tmpdir.h"

static char *const dir = tmpdir_group_dir;
static struct keys keys;

struct fx {
	char		 path[512];
	sqlite3		*db;
};

static int
group_setup(void **state)
{
	return tmpdir_group_setup_keys(state, &keys);
}

static int
setup(void **state)
{
	static int n;
	struct fx *f = calloc(1, sizeof(*f));
	char name[32];

	snprintf(name, sizeof(name), "cred-%d.db", ++n);
	tmpdir_path(f->path, dir, name);
	if ((f->db = db_open(f->path)) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	db_close(f->db);
	free(f);
	return 0;
}

/* A valid enrolment to start each case from. */
static struct cred_new
sample(void)
{
	struct cred_new n = {
		.holder = "staff:mette",
		.format = 26,
		.number = 0x123456,
		.zones = "entrance,staff-room",
		.valid_from = 1700000000,
		.valid_to = 1800000000,
		.windows = "mon-fri 07:00-19:00",
		.pin = "1234",
		.label = "night key",
	};

	return n;
}

static int64_t
enrol(struct fx *f, const struct cred_new *n, const char **err)
{
	return cred_enrol(f->db, &keys, n, 1750000000, err);
}

static int
lookup(struct fx *f, int format, uint64_t number, struct access_cred *c)
{
	uint8_t mac[KEYS_MAC_LEN];

	keys_card_mac(&keys, format, number, mac);
	return cred_lookup(f->db, mac, c);
}

static void
test_enrol_lookup(void **state)
{
	struct fx *f = *state;
	struct cred_new n = sample();
	struct access_cred c;
	const char *err = "unset";
	int64_t id;

	id = enrol(f, &n, &err);
	assert_true(id > 0);
	assert_null(err);
	assert_int_equal(lookup(f, 26, 0x123456, &c), 1);
	assert_int_equal(c.id, id);
	assert_string_equal(c.holder, "staff:mette");
	assert_true(c.staff);
	assert_false(c.revoked);
	assert_true(c.has_pin);
	assert_string_equal(c.zones, "entrance,staff-room");
	assert_int_equal(c.valid_from, 1700000000);
	assert_int_equal(c.valid_to, 1800000000);
	assert_int_equal(c.nwindows, 1);
	assert_int_equal(c.windows[0].days, 0x1f);
	assert_int_equal(c.windows[0].from_min, 7 * 60);
	assert_int_equal(c.windows[0].to_min, 19 * 60);
	assert_int_equal(lookup(f, 26, 0x123457, &c), 0);
	assert_int_equal(lookup(f, 34, 0x123456, &c), 0);
	assert_int_equal(cred_lookup_id(f->db, id, &c), 1);
	assert_string_equal(c.holder, "staff:mette");
	assert_int_equal(cred_lookup_id(f->db, id + 1, &c), 0);
	assert_int_equal(cred_count(f->db), 1);
}

static void
test_resident_no_pin(void **state)
{
	struct fx *f = *state;
	struct cred_new n = sample();
	struct access_cred c;
	const char *err;

	n.holder = "stay:42";
	n.pin = NULL;
	n.windows = NULL;
	n.valid_from = n.valid_to = 0;
	assert_true(enrol(f, &n, &err) > 0);
	assert_int_equal(lookup(f, 26, 0x123456, &c), 1);
	assert_false(c.staff);
	assert_false(c.has_pin);
	assert_int_equal(c.nwindows, 0);
	assert_int_equal(c.valid_to, 0);
	assert_int_equal(cred_pin_check(f->db, &keys, c.id, "1234", 1),
	    ACCESS_PIN_WRONG);
}

static void
test_revoke_reenrol(void **state)
{
	struct fx *f = *state;
	struct cred_new n = sample();
	struct access_cred c;
	const char *err;
	int64_t id, id2;

	id = enrol(f, &n, &err);
	assert_int_equal(enrol(f, &n, &err), -1);
	assert_string_equal(err, "duplicate");
	assert_int_equal(cred_revoke(f->db, id, 1760000000, &err), 0);
	assert_int_equal(lookup(f, 26, 0x123456, &c), 1);
	assert_int_equal(c.id, id);
	assert_true(c.revoked);
	assert_int_equal(cred_revoke(f->db, id, 1760000000, &err), -1);
	assert_string_equal(err, "already_revoked");
	assert_int_equal(cred_revoke(f->db, id + 100, 1760000000, &err), -1);
	assert_string_equal(err, "not_found");
	assert_int_equal(cred_count(f->db), 0);
	/* The same chip handed to someone else: the live row wins. */
	n.holder = "stay:9";
	id2 = enrol(f, &n, &err);
	assert_true(id2 > id);
	assert_int_equal(lookup(f, 26, 0x123456, &c), 1);
	assert_int_equal(c.id, id2);
	assert_false(c.revoked);
	assert_string_equal(c.holder, "stay:9");
	assert_int_equal(enrol(f, &n, &err), -1);
	assert_string_equal(err, "duplicate");
	/* Same number in another format is another chip. */
	n.format = 34;
	assert_true(enrol(f, &n, &err) > 0);
}

static void
test_revoke_holder(void **state)
{
	struct fx *f = *state;
	struct cred_new n = sample();
	struct access_cred c;
	const char *err;
	int i;

	n.holder = "stay:7";
	for (i = 0; i < 3; i++) {
		n.number = 1000 + (uint64_t)i;
		assert_true(enrol(f, &n, &err) > 0);
	}
	n.holder = "stay:8";
	n.number = 2000;
	assert_true(enrol(f, &n, &err) > 0);
	assert_int_equal(cred_revoke_holder(f->db, "stay:7", 1760000000), 3);
	assert_int_equal(cred_revoke_holder(f->db, "stay:7", 1760000000), 0);
	assert_int_equal(cred_revoke_holder(f->db, "stay:99", 1760000000), 0);
	assert_int_equal(cred_count(f->db), 1);
	assert_int_equal(lookup(f, 26, 1001, &c), 1);
	assert_true(c.revoked);
	assert_int_equal(lookup(f, 26, 2000, &c), 1);
	assert_false(c.revoked);
}

static void
test_pin(void **state)
{
	struct fx *f = *state;
	struct cred_new n = sample();
	const char *err;
	int64_t id, id9;

	id = enrol(f, &n, &err);
	assert_int_equal(cred_pin_check(f->db, &keys, id, "1234", 1),
	    ACCESS_PIN_MATCH);
	assert_int_equal(cred_pin_check(f->db, &keys, id, "1234", 0),
	    ACCESS_PIN_MATCH);
	assert_int_equal(cred_pin_check(f->db, &keys, id, "1235", 1),
	    ACCESS_PIN_DURESS);
	assert_int_equal(cred_pin_check(f->db, &keys, id, "1235", 0),
	    ACCESS_PIN_WRONG);
	assert_int_equal(cred_pin_check(f->db, &keys, id, "1233", 1),
	    ACCESS_PIN_WRONG);
	assert_int_equal(cred_pin_check(f->db, &keys, id, "12345", 1),
	    ACCESS_PIN_WRONG);
	assert_int_equal(cred_pin_check(f->db, &keys, id, "12a4", 1),
	    ACCESS_PIN_WRONG);
	assert_int_equal(cred_pin_check(f->db, &keys, id, NULL, 1),
	    ACCESS_PIN_NONE);
	assert_int_equal(cred_pin_check(f->db, &keys, id, "", 1),
	    ACCESS_PIN_NONE);
	/* The PIN belongs to its credential, not to the holder. */
	assert_int_equal(cred_pin_check(f->db, &keys, id + 1, "1234", 1),
	    ACCESS_PIN_WRONG);
	/* 9 + 1 wraps to 0. */
	n.number = 77;
	n.pin = "45678909";
	id9 = enrol(f, &n, &err);
	assert_int_equal(cred_pin_check(f->db, &keys, id9, "45678900", 1),
	    ACCESS_PIN_DURESS);
	assert_int_equal(cred_pin_check(f->db, &keys, id9, "45678910", 1),
	    ACCESS_PIN_WRONG);
	assert_int_equal(cred_pin_check(f->db, &keys, id9, "1234", 1),
	    ACCESS_PIN_WRONG);
}

/* Expect one change to the sample to be refused with reason. */
#define REFUSE(field, value, reason) do {				\
	struct cred_new n_ = sample();					\
	const char *e_ = NULL;						\
	n_.field = value;						\
	assert_int_equal(enrol(f, &n_, &e_), -1);			\
	assert_non_null(e_);						\
	if (strcmp(e_, reason) != 0)					\
		fail_msg("%s = %s: %s, not %s", #field, #value, e_,	\
		    reason);						\
} while (0)

/* Expect one change to the sample to be accepted (number varied). */
#define ACCEPT(field, value) do {					\
	struct cred_new n_ = sample();					\
	const char *e_ = NULL;						\
	n_.number = ++accepted;						\
	n_.field = value;						\
	if (enrol(f, &n_, &e_) <= 0)					\
		fail_msg("%s = %s refused: %s", #field, #value, e_);	\
} while (0)

static void
test_validation(void **state)
{
	struct fx *f = *state;
	static const char login32[] = "staff:abcdefghijabcdefghijabcdefghijab";
	static const char login33[] = "staff:abcdefghijabcdefghijabcdefghijabc";
	static const char zone33[] = "abcdefghijabcdefghijabcdefghijabc";
	static const char label65[] = "0123456789012345678901234567890123456"
	    "7890123456789012345678901234";
	uint64_t accepted = 100;

	REFUSE(holder, NULL, "bad_holder");
	REFUSE(holder, "", "bad_holder");
	REFUSE(holder, "stay:", "bad_holder");
	REFUSE(holder, "stay:12a", "bad_holder");
	REFUSE(holder, "stay:-1", "bad_holder");
	REFUSE(holder, "stay:12 ", "bad_holder");
	REFUSE(holder, "stay:1234567890123456789", "bad_holder");
	REFUSE(holder, "staff:", "bad_holder");
	REFUSE(holder, "staff:Mette", "bad_holder");
	REFUSE(holder, "staff:1abc", "bad_holder");
	REFUSE(holder, "staff:_abc", "bad_holder");
	REFUSE(holder, "staff:me tte", "bad_holder");
	REFUSE(holder, login33, "bad_holder");
	REFUSE(holder, "guest:1", "bad_holder");
	REFUSE(holder, "Stay:1", "bad_holder");
	ACCEPT(holder, "stay:0");
	ACCEPT(holder, "staff:a");
	ACCEPT(holder, "staff:a-b_c9");
	ACCEPT(holder, login32);
	REFUSE(format, 35, "bad_format");
	REFUSE(format, 0, "bad_format");
	REFUSE(number, 1u << 24, "bad_number");
	ACCEPT(number, (1u << 24) - 1);
	REFUSE(zones, NULL, "bad_zones");
	REFUSE(zones, "", "bad_zones");
	REFUSE(zones, "Entrance", "bad_zones");
	REFUSE(zones, "a,,b", "bad_zones");
	REFUSE(zones, ",a", "bad_zones");
	REFUSE(zones, "a,", "bad_zones");
	REFUSE(zones, "a b", "bad_zones");
	REFUSE(zones, "room_1", "bad_zones");
	REFUSE(zones, "**", "bad_zones");
	REFUSE(zones, zone33, "bad_zones");
	ACCEPT(zones, "*");
	ACCEPT(zones, "room-101,*");
	ACCEPT(zones, zone33 + 1);
	REFUSE(valid_to, 1600000000, "bad_dates");
	REFUSE(valid_from, -1, "bad_dates");
	REFUSE(valid_to, -5, "bad_dates");
	ACCEPT(valid_to, 0);
	ACCEPT(valid_to, 1700000000);
	REFUSE(windows, "", "bad_windows");
	REFUSE(windows, "nonsense", "bad_windows");
	REFUSE(windows, "mon 25:00-26:00", "bad_windows");
	ACCEPT(windows, NULL);
	ACCEPT(windows, "sat,sun 10:00-14:00; mon-fri 22:00-06:00");
	REFUSE(pin, "", "bad_pin");
	REFUSE(pin, "123", "bad_pin");
	REFUSE(pin, "123456789", "bad_pin");
	REFUSE(pin, "12a4", "bad_pin");
	REFUSE(pin, " 1234", "bad_pin");
	ACCEPT(pin, NULL);
	ACCEPT(pin, "00000000");
	REFUSE(label, "two\nlines", "bad_label");
	REFUSE(label, label65, "bad_label");
	ACCEPT(label, NULL);
	ACCEPT(label, label65 + 1);
	assert_int_equal(cred_count(f->db), (int64_t)(accepted - 100));
}

/* The same checks without writing, for the command layer. */
static void
test_check(void **state)
{
	struct cred_new n = sample();

	(void)state;
	assert_null(cred_check(&n));
	n.zones = "Front";
	assert_string_equal(cred_check(&n), "bad_zones");
	assert_false(cred_pin_valid(NULL));
	assert_true(cred_pin_valid("0000"));
}

/* The wider formats: the payload is 32 and 35 bits. */
static void
test_format_widths(void **state)
{
	struct fx *f = *state;
	struct cred_new n = sample();
	const char *err;

	n.format = 34;
	n.number = 1ull << 32;
	assert_int_equal(enrol(f, &n, &err), -1);
	assert_string_equal(err, "bad_number");
	n.number = (1ull << 32) - 1;
	assert_true(enrol(f, &n, &err) > 0);
	n.format = 37;
	n.number = 1ull << 35;
	assert_int_equal(enrol(f, &n, &err), -1);
	assert_string_equal(err, "bad_number");
	n.number = (1ull << 35) - 1;
	assert_true(enrol(f, &n, &err) > 0);
}

/* Does the file at path hold the len bytes at what? */
static int
file_contains(const char *path, const void *what, size_t len)
{
	static uint8_t buf[1 << 20];
	size_t n;
	FILE *fp;

	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	return memmem(buf, n, what, len) != NULL;
}

/* Is the card number, as 5 bytes big-endian or in decimal, in the file? */
static int
file_contains_number(const char *path, uint64_t number)
{
	uint8_t be[5];
	char dec[32];
	int i;

	snprintf(dec, sizeof(dec), "%llu", (unsigned long long)number);
	for (i = 4; i >= 0; i--, number >>= 8)
		be[i] = (uint8_t)number;
	return file_contains(path, be, sizeof(be)) ||
	    file_contains(path, dec, strlen(dec));
}

static void
test_list_and_storage(void **state)
{
	struct fx *f = *state;
	struct cred_new n = sample();
	uint8_t mac[KEYS_MAC_LEN];
	char hex[2 * KEYS_MAC_LEN + 1], wal[600], *text;
	const char *err;
	json_t *list, *row;
	int i;

	n.format = 37;
	n.number = 0x3a5c1e2d7ull;
	assert_true(enrol(f, &n, &err) > 0);
	n.holder = "stay:3";
	n.number = 0x12345;
	assert_true(enrol(f, &n, &err) > 0);
	list = cred_list(f->db, NULL);
	assert_int_equal(json_array_size(list), 2);
	row = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(row, "holder")),
	    "staff:mette");
	assert_true(json_is_true(json_object_get(row, "has_pin")));
	assert_true(json_is_false(json_object_get(row, "revoked")));
	assert_string_equal(json_string_value(json_object_get(row, "label")),
	    "night key");
	assert_null(json_object_get(row, "mac"));
	assert_null(json_object_get(row, "pin_mac"));
	assert_null(json_object_get(row, "number"));
	text = json_dumps(list, 0);
	keys_card_mac(&keys, 37, 0x3a5c1e2d7ull, mac);
	for (i = 0; i < KEYS_MAC_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	assert_null(strstr(text, hex));
	assert_null(strstr(text, "15665849047"));	/* 0x3a5c1e2d7 */
	free(text);
	json_decref(list);
	list = cred_list(f->db, "stay:3");
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	/* Nor is the number in the database file or its WAL. */
	snprintf(wal, sizeof(wal), "%s-wal", f->path);
	assert_true(file_contains(wal, "night key", 9));	/* the search works */
	assert_false(file_contains_number(f->path, 0x3a5c1e2d7ull));
	assert_false(file_contains_number(wal, 0x3a5c1e2d7ull));
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_enrol_lookup),
		T(test_resident_no_pin),
		T(test_revoke_reenrol),
		T(test_revoke_holder),
		T(test_pin),
		T(test_validation),
		T(test_check),
		T(test_format_widths),
		T(test_list_and_storage),
	};

	return cmocka_run_group_tests(tests, group_setup,
	    tmpdir_group_teardown);
}
