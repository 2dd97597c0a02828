/*
 * The names of the kinds of point, as the board file spells them.  On its
 * own, so that what only names a kind (a backend's log lines) does not
 * pull in the parser and, through it, the HAL's table of backends.
 */
#include "board.h"

static const char *const board_kinds[] = {
	[BOARD_INPUT] = "input", [BOARD_OUTPUT] = "output",
	[BOARD_SUPERVISED] = "supervised", [BOARD_READER] = "reader",
};

const char *
board_kind_name(enum board_kind k)
{
	if ((unsigned)k >= sizeof(board_kinds) / sizeof(board_kinds[0]))
		return "?";
	return board_kinds[k];
}
