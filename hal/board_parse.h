/*
 * Private to the board parser (board.c, board_check.c): the keys it knows
 * and the state it keeps while reading one file.  Nothing outside hal/
 * board*.c includes this.
 */
#ifndef HUSVAGT_BOARD_PARSE_H
#define HUSVAGT_BOARD_PARSE_H

#include <stddef.h>

#include "board.h"

enum board_pkey {
	PK_BACKEND, PK_KIND, PK_LINE, PK_COIL, PK_INPUT, PK_REGISTER,
	PK_ACTIVE, PK_LOCK, PK_D0, PK_D1, PK_LOOP, PK_N
};

enum board_bkey {
	BK_TYPE, BK_CHIP, BK_DEBOUNCE, BK_TRANSPORT, BK_HOST, BK_PORT,
	BK_DEVICE, BK_BAUD, BK_PARITY, BK_UNIT, BK_POLL, BK_TIMEOUT, BK_N
};

enum board_type { BT_SIM, BT_GPIOD, BT_MODBUS, BT_N };

enum board_sec { SEC_NONE, SEC_BOARD, SEC_BACKEND, SEC_POINT, SEC_BAD };

struct board_parse {
	struct board	*b;
	struct diag	*d;
	const char	*file;
	char		 section[128];	/* the section of the last key */
	enum board_sec	 sec;
	int		 cur;		/* backend or point of that section */
	int		 nkeys;
	int		 section_line;	/* of its header */
	int		 name_line;
	/* The line each key was set on (0: not set), for later checks. */
	int		 bline[BOARD_BACKENDS_MAX][BK_N];
	int		 pline[BOARD_POINTS_MAX][PK_N];
	/* Points name their backend before it may be defined. */
	char		 pbackend[BOARD_POINTS_MAX][BOARD_NAME_MAX];
	char		 haskind[BOARD_POINTS_MAX];
};

/* board.c */
extern const char *const board_pkeys[PK_N];
extern const char *const board_bkeys[BK_N];
extern const char *const board_types[BT_N];
int	 board_lookup(const char *const *names, int n, const char *s);
int	 board_str(struct board_parse *, int line, const char *key,
	     const char *value, char *dst, size_t len);
int	 board_int(struct board_parse *, int line, const char *key,
	     const char *value, long min, long max, int *dst);

/* board_check.c */
int	 board_backend_key(struct board_parse *, int line, int k,
	     const char *key, const char *value);
int	 board_point_key(struct board_parse *, int line, int k,
	     const char *key, const char *value);
void	 board_backend_check(struct board_parse *, int backend);
int	 board_point_check(struct board_parse *, int point);
void	 board_point_unique(struct board_parse *, int point);

#endif
