/*
 * Every security check fails closed (issue 15, finding 7): a database
 * error while the blocklist or the staff roles are read is an error
 * (-1), never "not blocked" or "no roles" by accident.  The tables are
 * replaced by views whose second row fails at sqlite3_step (an integer
 * overflow), the way a corrupt page fails half-way through a scan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "access.h"
#include "blocklist.h"
#include "db.h"
#include "namefold.h"
#include "staff_table.h"
#include "tmpdir.h"

static char *const dir = tmpdir_group_dir;

struct fx {
	char		 path[512];
	sqlite3		*db;
};

static int
setup(void **state)
{
	static int n;
	struct fx *f = calloc(1, sizeof(*f));
	char name[32];

	snprintf(name, sizeof(name), "fc-%d.db", ++n);
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

#define FAIL_ON_2 "CASE WHEN x = 2 THEN abs(-9223372036854775807 - 1) "

static void
test_blocklist_step_error(void **state)
{
	struct fx *f = *state;
	char *key = namefold("Jens Hansen", 11);

	assert_non_null(key);
	assert_int_equal(blocklist_has(f->db, key), 0);
	assert_int_equal(db_exec(f->db, "DROP TABLE blocklist"), 0);
	assert_int_equal(db_exec(f->db, "CREATE VIEW blocklist AS SELECT "
	    FAIL_ON_2 "ELSE 'Someone Else' END AS name, NULL AS removed_at "
	    "FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3)"), 0);
	/* Before the fix: 0, "not blocked", and the guest was let in. */
	assert_int_equal(blocklist_has(f->db, key), -1);
	assert_int_equal(db_exec(f->db, "DROP VIEW blocklist"), 0);
	assert_int_equal(blocklist_has(f->db, key), -1);	/* no table */
	free(key);
}

static void
test_roles_step_error(void **state)
{
	struct fx *f = *state;
	unsigned roles = 1;

	assert_int_equal(staff_table_roles_get(f->db, "maria", &roles), 0);
	assert_int_equal(roles, 0);
	assert_int_equal(db_exec(f->db, "DROP TABLE staff"), 0);
	assert_int_equal(db_exec(f->db, "CREATE VIEW staff AS SELECT "
	    "'maria' AS login, " FAIL_ON_2 "ELSE 'staff' END AS role, "
	    "NULL AS removed_at "
	    "FROM (SELECT 1 AS x UNION ALL SELECT 2)"), 0);
	assert_int_equal(staff_table_roles_get(f->db, "maria", &roles), -1);
	assert_int_equal(roles, 0);
	assert_int_equal(staff_table_roles(f->db, "maria"), 0);
}

static void
test_reason_name(void **state)
{
	(void)state;
	assert_string_equal(access_reason_name(ACCESS_ERROR), "error");
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_blocklist_step_error),
		T(test_roles_step_error),
		T(test_reason_name),
	};

	return cmocka_run_group_tests(tests, tmpdir_group_setup,
	    tmpdir_group_teardown);
}
