/*
 * The broker's files on disk (broker_file.c), for broker.c.
 */
#ifndef HUSVAGT_BROKER_FILE_H
#define HUSVAGT_BROKER_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Read a whole (small) file into a new NUL-terminated buffer; NULL with
 * errno.  Free it. */
char	*broker_file_read(const char *path);
/* Make a temporary file beside path (same folder, so that rename(2)
 * replaces path atomically) with path's mode and owner, holding data
 * (path's own content when data is NULL).  Its name goes to tmp.  0 or
 * -1 with errno. */
int	 broker_file_tmp(const char *path, const char *data, char *tmp,
	     size_t len);
/* fsync a file by name (after a child wrote it). */
int	 broker_file_fsync(const char *path);
/* On the password file at file: set login's password (password not NULL;
 * Mosquitto's PBKDF2-SHA512 entry, as mosquitto_passwd makes it) or delete
 * login.  No child process.  0 or -1 (logged). */
int	 broker_file_passwd(const char *file, const char *login,
	     const char *password);
/* Whether the password file's text has an entry for login. */
bool	 broker_file_has(const char *text, const char *login);

#endif
