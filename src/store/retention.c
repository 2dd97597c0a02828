/*
 * The register's retention (DESIGN 5) as the tables see it: what each
 * erases of stays that left before a cutoff, in one transaction.  The
 * daily schedule and the journal entry are house/register.c's.
 */
#include "agreement.h"
#include "blocklist.h"
#include "clock.h"
#include "cred.h"
#include "db.h"
#include "enquiry_table.h"
#include "journal.h"
#include "retention.h"
#include "stay_table.h"
#include "visit_table.h"

/* Staff's free text: kept beside the journal, on old enquiries, on
 * blocklist entries removed, on the chips of stays gone.  The number
 * erased or -1. */
static int
retention_erase_texts(sqlite3 *db, const char *cutoff)
{
	int a, b, c, d;

	if ((a = journal_text_erase(db, cutoff)) < 0 ||
	    (b = enquiry_table_erase(db, cutoff)) < 0 ||
	    (c = blocklist_purge(db, cutoff)) < 0 ||
	    (d = cred_erase_labels(db, cutoff)) < 0)
		return -1;
	return a + b + c + d;
}

/*
 * Erase, in one transaction, what retention takes from stays that left
 * before cutoff: their guests' names on agreements and visits, then the
 * alias.  Visits of no stay lose the guest's name once checked out
 * before the cutoff.  n gets stays, agreements, visits, texts.
 */
int
retention_run(sqlite3 *db, const char *cutoff, int n[4])
{
	char now[32];

	clock_iso8601(now, sizeof(now));
	if (db_exec(db, "BEGIN IMMEDIATE") == -1)
		return -1;
	n[1] = agreement_erase_guests(db, cutoff, now);
	n[2] = visit_table_erase_guests(db, cutoff, now);
	n[3] = retention_erase_texts(db, cutoff);
	n[0] = stay_table_anonymise(db, cutoff, now);
	if (n[0] < 0 || n[1] < 0 || n[2] < 0 || n[3] < 0 ||
	    db_exec(db, "COMMIT") == -1) {
		db_exec(db, "ROLLBACK");
		return -1;
	}
	return 0;
}
