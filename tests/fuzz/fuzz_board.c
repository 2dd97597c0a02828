/*
 * The board file (hal/board.c, hal/board_check.c): sections, keys, and
 * the cross-key checks run once the file is read, as husvagtd reads
 * boards/<name>/board.ini.
 */
#include "board.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static struct board b;
	struct diag d = { .quiet = 1 };

	board_load(&b, fuzz_file(data, n), &d);
	return 0;
}
