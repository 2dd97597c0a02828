/*
 * Fill a fresh husvagtd state folder with enrolled credentials, so that
 * the daemon's memory and start-up can be measured with a full store.
 * The device key and the database are opened exactly as husvagtd opens
 * them (state_dir/device.key through keys_load, state_dir/husvagt.db
 * through db_open), so the daemon started afterwards finds the same key
 * and recognises the cards.  See bench_enrol.h for how the rows are made.
 *
 *	bench_populate -c config [-n credentials] [-z zones] [-j rows]
 *
 * -j appends that many journal rows (access grants, chained and sealed
 * by journal_append exactly as the daemon writes them, 5,000 to a
 * transaction) after the credentials: a big journal for the load tests
 * and benchmarks of verify and export.
 *
 * The last line names one enrolled card, for a caller that wants to
 * present it at a reader.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_enrol.h"
#include "bench_util.h"
#include "config.h"
#include "journal.h"
#include "journal_anchor.h"
#include "keys.h"
#include "log.h"

struct populate {
	const char	*config;
	long		 n;
	const char	*zones;
	long		 rows;		/* journal rows to append */
};

/* Parse the command line into p; 0, or -1 on a usage error. */
static int
populate_args(int argc, char **argv, struct populate *p)
{
	int ch;

	p->n = 100000;
	p->zones = "entrance,corridor-1";
	while ((ch = getopt(argc, argv, "c:n:z:j:")) != -1) {
		switch (ch) {
		case 'c':
			p->config = optarg;
			break;
		case 'n':
			if ((p->n = bench_long(optarg)) == -1)
				return -1;
			break;
		case 'z':
			p->zones = optarg;
			break;
		case 'j':
			if ((p->rows = bench_long(optarg)) == -1)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return optind == argc && p->config != NULL ? 0 : -1;
}

/* Open key and database in the configuration's state folder. */
static sqlite3 *
populate_open(const struct site_config *cfg, struct keys *k)
{
	char path[CONFIG_PATH_MAX + 32];

	if (mkdir(cfg->state_dir, 0750) != 0 && errno != EEXIST) {
		log_warn("%s", cfg->state_dir);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/device.key", cfg->state_dir);
	if (keys_load(k, path) != 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/husvagt.db", cfg->state_dir);
	return db_open(path);
}

/*
 * Append rows access grants to the journal, in batches, keeping the
 * journal's anchor beside the key as husvagtd does (with no rows, an
 * anchor of an empty journal): a state folder made here starts husvagtd
 * without a "journal anchor missing" alarm.
 */
static int
populate_journal(sqlite3 *db, const struct keys *k, const char *dir,
    long rows)
{
	static const uint8_t none[KEYS_MAC_LEN];
	struct journal_anchor_rec rec;
	struct journal_anchor a = { .fd = -1 };
	char path[CONFIG_PATH_MAX + 32], why[ANCHOR_REASON_MAX];
	struct journal *j;
	json_t *d;
	long i;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/journal.anchor", dir);
	if (journal_anchor_read(path, k->journal, &rec, why, sizeof(why)) != 1)
		memset(&rec, 0, sizeof(rec));
	if ((j = journal_open(db, k->journal)) == NULL)
		return -1;
	if (journal_anchor_open(&a, path, k->journal, &rec) != 0) {
		journal_close(j);
		return -1;
	}
	journal_set_anchor(j, &a);
	if (journal_last_seq(j) == 0 && rec.seq == 0)
		journal_anchor_set(&a, 0, none);
	for (i = 0; i < rows && rc == 0; i++) {
		if (i % 5000 == 0 && journal_batch_begin(j) != 0)
			rc = -1;
		d = json_pack("{s:s, s:I, s:s}", "reason", "granted", "credential",
		    (json_int_t)(i % 1000 + 1), "reader", "front.reader");
		if (rc == 0 && journal_append(j, "access.granted", "front",
		    "system", "stay:12", d) < 0)
			rc = -1;
		json_decref(d);
		if ((i % 5000 == 4999 || i == rows - 1) &&
		    journal_batch_end(j) != 0)
			rc = -1;
	}
	journal_close(j);
	journal_anchor_close(&a);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct site_config cfg;
	struct populate p = { 0 };
	struct diag d = { 0 };
	struct keys k;
	sqlite3 *db;
	uint64_t t0;
	int rc = 1;

	log_init("bench_populate", LOG_LVL_WARN);
	if (populate_args(argc, argv, &p) == -1)
		return bench_usage("bench_populate -c config "
		    "[-n credentials] [-z zones] [-j rows]");
	if (config_load(&cfg, p.config, &d) != 0)
		return 1;
	if ((db = populate_open(&cfg, &k)) == NULL)
		return 1;
	t0 = clock_mono_us();
	if (bench_enrol(db, &k, p.n, p.zones) == 0) {
		printf("enrolled %ld credentials (zones %s) into %s/husvagt.db "
		    "in %.1f s\n", p.n, p.zones, cfg.state_dir,
		    (double)(clock_mono_us() - t0) / 1e6);
		printf("card: format %d number %llu\n", BENCH_FORMAT,
		    (unsigned long long)bench_card(p.n / 2));
		rc = 0;
	}
	if (rc == 0) {
		t0 = clock_mono_us();
		if (populate_journal(db, &k, cfg.state_dir, p.rows) != 0)
			rc = 1;
		else if (p.rows > 0)
			printf("appended %ld journal rows in %.1f s\n", p.rows,
			    (double)(clock_mono_us() - t0) / 1e6);
	}
	db_close(db);
	keys_wipe(&k);
	return rc;
}
