/* oltp.h: the TPC-B-like database of the oltp workload, on SQLite, in pieces
 * a test can drive: load, one transaction, the consistency check. */
#ifndef VB_OLTP_H
#define VB_OLTP_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define VB_OLTP_TELLERS 10	/* per branch, as in TPC-B */

struct vb_oltp {
	sqlite3 *db;
	sqlite3_stmt *stmt[7];	/* begin, the five statements, commit */
	uint64_t branches, accounts;	/* accounts per branch */
	uint64_t rng;
	uint64_t done;		/* transactions committed */
};

/* Create the schema in db and load it: branches, 10 tellers and `accounts`
 * accounts per branch, all balances 0; prepare the transaction's statements.
 * 0, or -1 with err. */
int vb_oltp_load(struct vb_oltp *o, sqlite3 *db, uint64_t branches, uint64_t accounts,
		 uint64_t seed, char *err, size_t errlen);
/* One TPC-B transaction: a random account gets a random delta, as do its
 * teller and branch, and a history row records it. 0, or -1 with err. */
int vb_oltp_txn(struct vb_oltp *o, char *err, size_t errlen);
/* Balances of accounts, tellers and branches each sum to the history's
 * deltas, and the history has one row per committed transaction. 0 when
 * they do, -1 with err saying which sum differs. */
int vb_oltp_check(struct vb_oltp *o, char *err, size_t errlen);
/* Finalize the statements (the caller closes the db). */
void vb_oltp_finish(struct vb_oltp *o);

#endif
