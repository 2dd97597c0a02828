/*
 * Private to the board parser (board.c, board_check.c) and the backends'
 * own board keys (<backend>_board.c): the keys it knows and the state it
 * keeps while reading one file.  Nothing outside hal/ includes this.
 */
#ifndef HUSVAGT_BOARD_PARSE_H
#define HUSVAGT_BOARD_PARSE_H

#include <stddef.h>

#include "board.h"

enum board_pkey {
	PK_BACKEND, PK_KIND, PK_LINE, PK_COIL, PK_INPUT, PK_REGISTER,
	PK_ACTIVE, PK_LOCK, PK_D0, PK_D1, PK_LOOP, PK_ADDRESS, PK_N
};

/* How a backend's points name their wires. */
enum board_wires {
	BOARD_WIRES_PINS,	/* line, d0, d1: named lines */
	BOARD_WIRES_MODBUS,	/* coil, input, register: addresses */
	BOARD_WIRES_OSDP,	/* address: a reader on a bus */
	BOARD_WIRES_N
};

#define BOARD_BKEYS_MAX		16	/* keys in one [backend] section */
#define BOARD_BKEY_MAX		32
#define BOARD_BVALUE_MAX	256

struct board_parse;

/*
 * A backend type's own board keys, named by its hal_backend_ops.  The
 * parser keeps a [backend] section's keys until the whole file is read
 * (type may come last), then hands each to parse and the section to check.
 */
struct board_keys {
	const char *const *keys;	/* its keys besides "type" */
	int		 nkeys;
	enum board_wires wires;
	unsigned	 kinds;		/* 1u << BOARD_INPUT ...: what it drives */
	/* Key k (an index into keys) of backend be into be->conf; 0, or -1
	 * with the error reported. */
	int	 (*parse)(struct board_parse *, struct board_backend *be, int k,
		     const char *value, int line);
	/* Defaults and checks across keys of backend i; lines[k]: where key
	 * k was set, 0 if it was not.  Errors go to diag. */
	void	 (*check)(struct board_parse *, int i, const int *lines);
};

/* One [backend] key as written, kept until the type is known. */
struct board_bkey {
	char	 key[BOARD_BKEY_MAX];
	char	 value[BOARD_BVALUE_MAX];
	int	 line;
	int	 done;		/* parsed, or reported */
};

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
	int		 type_line[BOARD_BACKENDS_MAX];
	struct board_bkey bkeys[BOARD_BACKENDS_MAX][BOARD_BKEYS_MAX];
	int		 nbkeys[BOARD_BACKENDS_MAX];
	int		 pline[BOARD_POINTS_MAX][PK_N];
	/* Points name their backend before it may be defined. */
	char		 pbackend[BOARD_POINTS_MAX][BOARD_NAME_MAX];
	char		 haskind[BOARD_POINTS_MAX];
};

/* board.c */
extern const char *const board_pkeys[PK_N];
const struct board_keys *board_keys_of(const char *type);
int	 board_key_index(const struct board_keys *, const char *key);
void	 board_type_list(char *buf, size_t len);
int	 board_lookup(const char *const *names, int n, const char *s);
int	 board_str(struct board_parse *, int line, const char *key,
	     const char *value, char *dst, size_t len);
int	 board_int(struct board_parse *, int line, const char *key,
	     const char *value, long min, long max, int *dst);
int	 board_key_seen(struct board_parse *, int *at, const char *key,
	     int line);
int	 board_word(struct board_parse *, int line, const char *key,
	     const char *value, const char *const *names, int n,
	     const char *list);

/* board_check.c */
int	 board_backend_key(struct board_parse *, int line,
	     const char *key, const char *value);
int	 board_point_key(struct board_parse *, int line, int k,
	     const char *key, const char *value);
void	 board_backend_check(struct board_parse *, int backend);
int	 board_point_check(struct board_parse *, int point);
void	 board_point_unique(struct board_parse *, int point);

#endif
