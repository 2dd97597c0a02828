/*
 * INI files through inih, with the line number of every key and of its
 * section's header.  The packaged inih does not pass line numbers to its
 * handler, so the reader counts the lines it hands over; multi-line values
 * are turned off so that the count is exact.
 */
#ifndef HUSVAGT_INIFILE_H
#define HUSVAGT_INIFILE_H

#include "diag.h"

/*
 * Called for every key, with the key's line and the line of its section's
 * header (0 before the first header).  Return 0 to accept, -1 after having
 * reported an error through diag_error(); parsing always continues to the
 * end.
 */
typedef int inifile_key_cb(void *arg, const char *file, int line,
    int section_line, const char *section, const char *key,
    const char *value);

/* Parse path; returns 0 when the file parsed and no callback failed. */
int inifile_parse(const char *path, inifile_key_cb *cb, void *arg,
    struct diag *);

/* Helpers for values.  Each reports to diag with file:line on error. */
int ini_bool(struct diag *, const char *file, int line, const char *key,
    const char *value, int *out);
int ini_long(struct diag *, const char *file, int line, const char *key,
    const char *value, long min, long max, long *out);

#endif
