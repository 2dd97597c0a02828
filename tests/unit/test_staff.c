/*
 * Staff logins (src/house/staff.c) against a real SQLite file and real broker
 * files in a scratch folder (the password entries in Mosquitto's format,
 * which the MQTT system tests log in with on a real broker): add, passwd,
 * remove, refusals that change nothing, the ACL's fixed part kept (and its
 * marker added when missing), file modes kept, no password in the
 * database, and the start-up sync.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "broker.h"
#include "db.h"
#include "husvagtd.h"
#include "staff_table.h"
#include "tmpdir.h"

#define MARKER "# --- staff logins (husvagtctl staff): everything below " \
	"is rewritten ---\n"
#define HEAD "# fixed part\nuser husvagtd\ntopic write husvagt/villa/#\n\n" \
	"user regional\ntopic read husvagt/villa/vacancy\n\n"

static char *const dir = tmpdir_group_dir;

struct fx {
	struct husvagt	 h;
	char		 db[512];
};

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static char *
get(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A copy of s in dst, which must hold it. */
static void
keep(char *dst, size_t len, const char *s)
{
	assert_true(strlen(s) < len);
	memcpy(dst, s, strlen(s) + 1);
}

/* Whether a (binary) file holds the bytes of s. */
static bool
file_has(const char *path, const char *s)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return memmem(buf, n, s, strlen(s)) != NULL;
}

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 0777;
}

static int
setup(void **state)
{
	static int n;
	struct fx *f = calloc(1, sizeof(*f));
	char name[32];
	struct site_mqtt *m = &f->h.cfg.mqtt;

	n++;
	snprintf(f->h.cfg.name, sizeof(f->h.cfg.name), "villa");
	snprintf(m->username, sizeof(m->username), "husvagtd");
	snprintf(name, sizeof(name), "staff-%d.db", n);
	tmpdir_path(f->db, dir, name);
	snprintf(name, sizeof(name), "passwd-%d", n);
	tmpdir_path(m->passwd_path, dir, name);
	snprintf(name, sizeof(name), "acl-%d", n);
	tmpdir_path(m->acl_path, dir, name);
	put(m->passwd_path, "husvagtd:$7$101$x$y\n", 0640);
	put(m->acl_path, HEAD MARKER, 0640);
	snprintf(f->h.cfg.staff[0].login, sizeof(f->h.cfg.staff[0].login),
	    "anna");
	f->h.cfg.staff[0].roles = ROLE_STAFF;
	f->h.cfg.nstaff = 1;
	if ((f->h.db = db_open(f->db)) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	db_close(f->h.db);
	free(f);
	return 0;
}

static const char *
add(struct fx *f, const char *login, const char *role, const char *pw)
{
	char msg[256];
	bool reloaded;

	return staff_add(&f->h, login, role, pw, &reloaded, msg, sizeof(msg));
}

static void
test_add_passwd_remove(void **state)
{
	struct fx *f = *state;
	struct site_mqtt *m = &f->h.cfg.mqtt;
	char msg[256], hash[256], *p;
	bool reloaded = true;

	assert_null(add(f, "maria", "staff", "maria-password-1"));
	assert_int_equal(staff_table_roles(f->h.db, "maria"), ROLE_STAFF);
	p = get(m->passwd_path);
	assert_non_null(strstr(p, "husvagtd:$7$101$x$y\n"));
	assert_non_null(p = strstr(p, "maria:$7$"));
	snprintf(hash, sizeof(hash), "%.*s", (int)strcspn(p, "\n"), p);
	p = get(m->acl_path);
	assert_true(!strncmp(p, HEAD MARKER, strlen(HEAD MARKER)));
	assert_non_null(strstr(p, MARKER "\n# maria: staff\nuser maria\n"
	    "topic write husvagt/villa/cmd/maria/#\n"
	    "topic read husvagt/villa/reply/maria/#\n"
	    "topic read husvagt/villa/status\n"
	    "topic read husvagt/villa/state/#\n"
	    "topic read husvagt/villa/event\n"
	    "topic read husvagt/villa/vacancy\n"));
	assert_int_equal(mode_of(m->passwd_path), 0640);
	assert_int_equal(mode_of(m->acl_path), 0640);

	/* An installer reads neither the events nor vacancy. */
	assert_null(add(f, "kim", "installer", "kim-password-12"));
	p = get(m->acl_path);
	p = strstr(p, "user kim\n");
	assert_non_null(p);
	if (strstr(p, "\n\n") != NULL)	/* kim's block only */
		strstr(p, "\n\n")[1] = '\0';
	assert_non_null(strstr(p, "state/#"));
	assert_null(strstr(p, "event"));
	assert_null(strstr(p, "vacancy"));

	assert_null(staff_passwd(&f->h, "maria", "maria-password-2",
	    &reloaded, msg, sizeof(msg)));
	assert_false(reloaded);		/* no broker_pid_file */
	p = get(m->passwd_path);
	assert_non_null(strstr(p, "maria:$7$"));
	assert_null(strstr(p, hash));

	assert_null(staff_remove(&f->h, "maria", &reloaded, msg,
	    sizeof(msg)));
	assert_int_equal(staff_table_roles(f->h.db, "maria"), 0);
	assert_null(strstr(get(m->passwd_path), "maria:"));
	assert_null(strstr(get(m->acl_path), "maria"));
	assert_string_equal(staff_remove(&f->h, "maria", &reloaded, msg,
	    sizeof(msg)), "not_found");
	/* Removed, the login may come back. */
	assert_null(add(f, "maria", "management", "maria-password-3"));
	assert_int_equal(staff_table_roles(f->h.db, "maria"), ROLE_MANAGEMENT);
	assert_non_null(strstr(get(m->acl_path), "# maria: management\n"));
	/* No password in the database file. */
	db_close(f->h.db);
	f->h.db = NULL;
	assert_false(file_has(f->db, "maria-password"));
	f->h.db = db_open(f->db);
}

static void
test_refusals_change_nothing(void **state)
{
	struct fx *f = *state;
	struct site_mqtt *m = &f->h.cfg.mqtt;
	char pw[4096], acl[4096], msg[256];
	bool reloaded;
	static const struct {
		const char *login, *role, *pw, *err;
	} cases[] = {
		{ "husvagtd", "staff", "long-enough-pw", "reserved" },
		{ "regional", "staff", "long-enough-pw", "reserved" },
		{ "root", "staff", "long-enough-pw", "reserved" },
		{ "system", "staff", "long-enough-pw", "reserved" },
		{ "Maria", "staff", "long-enough-pw", "bad_login" },
		{ "ma ria", "staff", "long-enough-pw", "bad_login" },
		{ "m/x", "staff", "long-enough-pw", "bad_login" },
		{ "m#", "staff", "long-enough-pw", "bad_login" },
		{ "", "staff", "long-enough-pw", "bad_login" },
		{ "abcdefghijabcdefghijabcdefghijabc", "staff",
		    "long-enough-pw", "bad_login" },
		{ "bob", "boss", "long-enough-pw", "bad_role" },
		{ "bob", "staff", "short", "bad_password" },
		{ "bob", "staff", "with\nnewline-123", "bad_password" },
		{ "maria", "staff", "long-enough-pw", "exists" },
	};
	size_t i;

	assert_null(add(f, "maria", "staff", "maria-password-1"));
	keep(pw, sizeof(pw), get(m->passwd_path));
	keep(acl, sizeof(acl), get(m->acl_path));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *err = add(f, cases[i].login, cases[i].role,
		    cases[i].pw);

		assert_non_null(err);
		assert_string_equal(err, cases[i].err);
	}
	assert_string_equal(staff_passwd(&f->h, "anna", "long-enough-pw",
	    &reloaded, msg, sizeof(msg)), "not_found");
	assert_string_equal(staff_passwd(&f->h, "maria", "short", &reloaded,
	    msg, sizeof(msg)), "bad_password");
	assert_string_equal(get(m->passwd_path), pw);
	assert_string_equal(get(m->acl_path), acl);
	assert_int_equal(staff_table_roles(f->h.db, "bob"), 0);

	/* Without the ACL nothing is added, not even to the table. */
	snprintf(acl, sizeof(acl), "%s.gone", m->acl_path);
	assert_int_equal(rename(m->acl_path, acl), 0);
	assert_string_equal(add(f, "bob", "staff", "bob-password-12"),
	    "broker_files");
	assert_int_equal(staff_table_roles(f->h.db, "bob"), 0);
	assert_string_equal(get(m->passwd_path), pw);
}

static void
test_acl_without_marker(void **state)
{
	struct fx *f = *state;
	struct site_mqtt *m = &f->h.cfg.mqtt;
	char *p;

	put(m->acl_path, "user husvagtd\ntopic write husvagt/villa/#", 0600);
	assert_null(add(f, "maria", "staff", "maria-password-1"));
	p = get(m->acl_path);
	assert_ptr_equal(strstr(p, "user husvagtd\ntopic write "
	    "husvagt/villa/#\n\n" MARKER "\n# maria: staff\n"), p);
	assert_int_equal(mode_of(m->acl_path), 0600);
	/* A login the fixed part names is reserved. */
	assert_string_equal(add(f, "husvagtd", "staff", "long-enough-pw"),
	    "reserved");
}

static void
test_not_managed(void **state)
{
	struct fx *f = *state;
	char msg[256];
	bool reloaded;
	json_t *list;

	f->h.cfg.mqtt.passwd_path[0] = f->h.cfg.mqtt.acl_path[0] = '\0';
	assert_false(broker_managed(&f->h));
	assert_null(add(f, "maria", "staff", "maria-password-1"));
	assert_int_equal(staff_table_roles(f->h.db, "maria"), ROLE_STAFF);
	assert_string_equal(staff_passwd(&f->h, "maria", "maria-password-2",
	    &reloaded, msg, sizeof(msg)), "not_configured");
	list = staff_list(&f->h, false);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 0), "source")), "database");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 1), "login")), "anna");
	json_decref(list);
}

static void
test_sync(void **state)
{
	struct fx *f = *state;
	struct site_mqtt *m = &f->h.cfg.mqtt;
	char before[4096];
	struct stat a, b;
	FILE *fp;

	assert_null(add(f, "maria", "staff", "maria-password-1"));
	/* A stray password and a tampered staff part. */
	fp = fopen(m->passwd_path, "a");
	fputs("ghost:$7$101$a$b\nregional:$7$101$c$d\n", fp);
	fclose(fp);
	put(m->acl_path, HEAD MARKER "user maria\ntopic readwrite #\n", 0640);
	assert_int_equal(broker_sync(&f->h), 0);
	assert_null(strstr(get(m->passwd_path), "ghost:"));
	assert_non_null(strstr(get(m->passwd_path), "regional:"));
	assert_non_null(strstr(get(m->passwd_path), "maria:"));
	assert_null(strstr(get(m->acl_path), "readwrite"));
	assert_non_null(strstr(get(m->acl_path), "user maria\ntopic write"));
	/* In line already: nothing is rewritten. */
	keep(before, sizeof(before), get(m->acl_path));
	assert_int_equal(stat(m->acl_path, &a), 0);
	assert_int_equal(broker_sync(&f->h), 0);
	assert_int_equal(stat(m->acl_path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_string_equal(get(m->acl_path), before);
}

int
main(void)
{
#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_add_passwd_remove),
		T(test_refusals_change_nothing),
		T(test_acl_without_marker),
		T(test_not_managed),
		T(test_sync),
	};

	return cmocka_run_group_tests(tests, tmpdir_group_setup,
	    tmpdir_group_teardown);
}
