/*
 * The floor under husvagtd's resident memory: a program linked with the
 * same libraries (the Makefile's LDLIBS: libcrypto, SQLite, libsystemd,
 * jansson, inih, libmosquitto, libmodbus, libgpiod, libunistring) that
 * calls each of the ones husvagtd calls at every start once, the least
 * way: one HMAC-SHA256 (OpenSSL), sd_notify (libsystemd), a table made,
 * written and read in an in-memory SQLite database, a JSON object
 * encoded (jansson), an INI text parsed (inih); and one trivial call
 * into each of the others, so that they are loaded as in husvagtd (the
 * linker drops a library nothing calls).  Then it prints its own
 * VmRSS, RssAnon and RssFile (/proc/self/status) in kB.  What husvagtd
 * holds beyond these figures is its own.
 *
 *	bench_libfloor
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gpiod.h>
#include <ini.h>
#include <jansson.h>
#include <modbus.h>
#include <mosquitto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>
#include <systemd/sd-daemon.h>
#include <unicase.h>

static int
floor_ini(void *arg, const char *section, const char *name,
    const char *value)
{
	(void)section;
	(void)name;
	(void)value;
	(*(int *)arg)++;
	return 1;
}

static long
floor_kb(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	if (f != NULL)
		fclose(f);
	return v;
}

int
main(void)
{
	static const unsigned char key[32] = { 1 };
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	sqlite3 *db = NULL;
	char *text;
	json_t *o;
	int keys = 0, v[3];

	if (HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)"x",
	    1, mac, &maclen) == NULL || maclen != 32)
		return 1;
	(void)sd_notify(0, "STATUS=floor");
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT);"
	    "INSERT INTO t (b) VALUES ('x'); SELECT * FROM t;", NULL, NULL,
	    NULL) != SQLITE_OK)
		return 1;
	o = json_pack("{s:s, s:i}", "type", "floor", "seq", 1);
	if (o == NULL || (text = json_dumps(o, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL)
		return 1;
	if (ini_parse_string("[site]\nname = floor\n", floor_ini, &keys) != 0 ||
	    keys != 1)
		return 1;
	/* Loaded only: versions and names. */
	(void)mosquitto_lib_version(&v[0], &v[1], &v[2]);
	if (gpiod_version_string() == NULL || modbus_strerror(EINVAL) ==
	    NULL || uc_tolower('A') != 'a')
		return 1;
	printf("library floor: VmRSS %ld kB RssAnon %ld kB RssFile %ld kB\n",
	    floor_kb("VmRSS"), floor_kb("RssAnon"), floor_kb("RssFile"));
	free(text);
	json_decref(o);
	sqlite3_close(db);
	return 0;
}
