/*
 * The gpiod backend's refusals, which need no GPIO hardware: a line or a
 * chip that does not exist stops hal_open with errno set, releasing what
 * was taken (the ASan build checks that nothing leaks).  Edges, debounce
 * on real lines and Wiegand timing are proven against a kernel gpio-sim.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "board.h"
#include "hal.h"
#include "log.h"
#include "tmpdir.h"

/* Load a one-backend gpiod board with the given backend and point keys. */
static void
load_board(struct board *b, const char *dir, const char *backend_keys,
    const char *points)
{
	char path[512];
	struct diag d = { .quiet = 1 };
	FILE *fp;

	tmpdir_path(path, dir, "board.ini");
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "[board]\nname = t\n\n[backend gpio]\ntype = gpiod\n%s\n%s",
	    backend_keys, points);
	fclose(fp);
	assert_int_equal(board_load(b, path, &d), 0);
}

static void
expect_open_fails(const char *backend_keys, const char *points)
{
	struct board *b = calloc(1, sizeof(*b));
	char dir[256];

	assert_non_null(b);
	assert_non_null(tmpdir_make(dir));
	load_board(b, dir, backend_keys, points);
	errno = 0;
	assert_null(hal_open(b, NULL, NULL, NULL));
	assert_int_not_equal(errno, 0);
	tmpdir_remove(dir);
	free(b);
}

static void
test_missing_line(void **unused)
{
	(void)unused;
	expect_open_fails("", "[point door.contact]\nbackend = gpio\n"
	    "kind = input\nline = HUSVAGT_NO_SUCH_LINE\n");
}

static void
test_missing_reader_line(void **unused)
{
	(void)unused;
	expect_open_fails("debounce_ms = 5\n", "[point door.reader]\n"
	    "backend = gpio\nkind = reader\nd0 = HUSVAGT_NO_D0\n"
	    "d1 = HUSVAGT_NO_D1\n");
}

static void
test_missing_output_line(void **unused)
{
	(void)unused;
	expect_open_fails("", "[point door.lock]\nbackend = gpio\n"
	    "kind = output\nline = HUSVAGT_NO_RELAY\nlock = fail-safe\n");
}

static void
test_missing_chip(void **unused)
{
	(void)unused;
	expect_open_fails("chip = husvagt-no-such-chip\n",
	    "[point door.contact]\nbackend = gpio\nkind = input\n"
	    "line = GPIO5\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_line),
		cmocka_unit_test(test_missing_reader_line),
		cmocka_unit_test(test_missing_output_line),
		cmocka_unit_test(test_missing_chip),
	};

	log_init("test_gpiod", LOG_LVL_ERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
