/*
 * One logging call for the whole program.  Messages go to standard error,
 * where systemd's journal (or the terminal of `make run`) picks them up.
 *
 * log_warn() appends strerror(errno); log_warnx() does not.  fatal() and
 * fatalx() are for start-up only: once the loop runs, nothing may exit.
 */
#ifndef HUSVAGT_LOG_H
#define HUSVAGT_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
/* Log one line at level, with strerror(errno) (as it was on entry)
 * appended when with_errno.  Callers use the names below. */
void log_at(enum log_level level, int with_errno, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Log at LOG_LVL_ERR as log_at does, then exit(1). */
void log_fatal(int with_errno, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#define log_warn(...)	log_at(LOG_LVL_WARN, 1, __VA_ARGS__)
#define log_warnx(...)	log_at(LOG_LVL_WARN, 0, __VA_ARGS__)
#define log_info(...)	log_at(LOG_LVL_INFO, 0, __VA_ARGS__)
#define log_debug(...)	log_at(LOG_LVL_DEBUG, 0, __VA_ARGS__)
#define fatal(...)	log_fatal(1, __VA_ARGS__)
#define fatalx(...)	log_fatal(0, __VA_ARGS__)

#endif
