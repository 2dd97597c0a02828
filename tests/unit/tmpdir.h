/*
 * A scratch directory per test group, so that the storage tests run
 * against real files and leave nothing behind.
 */
#ifndef HUSVAGT_TEST_TMPDIR_H
#define HUSVAGT_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"

/* Remove one entry of the tree; called deepest first. */
static inline int
tmpdir_rm_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Make a new empty directory under $TMPDIR (or /tmp); NULL on failure. */
static inline char *
tmpdir_make(char buf[256])
{
	const char *base = getenv("TMPDIR");

	snprintf(buf, 256, "%s/husvagt-test-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	return mkdtemp(buf);
}

/* Remove the directory and everything in it. */
static inline void
tmpdir_remove(const char *dir)
{
	nftw(dir, tmpdir_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* dir/name into buf. */
static inline const char *
tmpdir_path(char buf[512], const char *dir, const char *name)
{
	snprintf(buf, 512, "%s/%s", dir, name);
	return buf;
}

/*
 * The scratch directory of a test group: tmpdir_group_setup() makes it and
 * tmpdir_group_teardown() removes it, as cmocka group setup and teardown.
 * A test that uses them names the directory with
 *
 *	static char *const dir = tmpdir_group_dir;
 */
static char tmpdir_group_dir[256] __attribute__((unused));

static inline int
tmpdir_group_setup(void **state)
{
	(void)state;
	return tmpdir_make(tmpdir_group_dir) == NULL ? -1 : 0;
}

static inline int
tmpdir_group_teardown(void **state)
{
	(void)state;
	tmpdir_remove(tmpdir_group_dir);
	return 0;
}

/* The group's directory, with the device key k loaded from device.key in it. */
static inline int
tmpdir_group_setup_keys(void **state, struct keys *k)
{
	char path[512];

	if (tmpdir_group_setup(state) == -1)
		return -1;
	return keys_load(k, tmpdir_path(path, tmpdir_group_dir, "device.key"));
}

#endif
