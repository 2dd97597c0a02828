/*
 * The simulated backend's board keys: it has none of its own, and there
 * is one per board.
 */
#include <string.h>

#include "board_parse.h"
#include "hal_backend.h"

/* One simulated building, one driver socket. */
static void
sim_board_check(struct board_parse *p, int i, const int *lines)
{
	const struct board_backend *be = &p->b->backends[i];
	int j;

	(void)lines;
	for (j = 0; j < i; j++)
		if (!strcmp(p->b->backends[j].type, "sim"))
			diag_error(p->d, p->file, be->line, "only one sim "
			    "backend per board ('%s' is one)",
			    p->b->backends[j].name);
}

const struct board_keys sim_board_keys = {
	.keys = NULL,
	.nkeys = 0,
	.wires = BOARD_WIRES_PINS,
	.kinds = 1u << BOARD_INPUT | 1u << BOARD_OUTPUT |
	    1u << BOARD_SUPERVISED | 1u << BOARD_READER,
	.parse = NULL,
	.check = sim_board_check,
};
