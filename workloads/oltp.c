/* oltp.c: TPC-B-like transactions (account, teller, branch, history) on
 * SQLite, linked from Debian's libsqlite3; the database lives in SQLite's
 * page cache, which is the bench's memory, so --pages governs it. */
#include "microbench/bench.h"
#include "lib/clock.h"
#include "workloads/oltp.h"
#include "workloads/zipf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct vb_param_def params[] = {
	{ .name = "footprint", .type = VB_PARAM_SIZE, .def = 64UL << 20, .min = 1UL << 20,
	  .max = 64UL << 30, .unit = "bytes",
	  .help = "SQLite's page cache, which holds the whole (in-memory) database",
	  .mem = VB_MEM_BYTES },
	{ .name = "branches", .type = VB_PARAM_U64, .def = 1, .min = 1, .max = 10000,
	  .unit = "branches", .help = "TPC-B scale: branches, each with 10 tellers" },
	{ .name = "accounts", .type = VB_PARAM_U64, .def = 100000, .min = 10, .max = 10000000,
	  .unit = "accounts", .help = "accounts per branch (TPC-B: 100000)" },
	{ .name = "transactions", .type = VB_PARAM_U64, .def = 10000, .min = 1, .max = 100000000,
	  .unit = "transactions", .help = "transactions per run" },
	{ 0 }
};

#define DB_PAGE 4096
#define DELTA_MAX 5000

enum { S_BEGIN, S_ACCOUNT, S_READ, S_TELLER, S_BRANCH, S_HISTORY, S_COMMIT, S_COUNT };

static const char *const txn_sql[S_COUNT] = {
	"BEGIN",
	"UPDATE accounts SET abalance = abalance + ?1 WHERE aid = ?2",
	"SELECT abalance FROM accounts WHERE aid = ?1",
	"UPDATE tellers SET tbalance = tbalance + ?1 WHERE tid = ?2",
	"UPDATE branches SET bbalance = bbalance + ?1 WHERE bid = ?2",
	("INSERT INTO history (tid, bid, aid, delta, mtime, filler) VALUES (?1, ?2, ?3, ?4, ?5, "
	 "'0123456789abcdefghijkl')"),
	"COMMIT",
};

/* TPC-B's row sizes come from fillers: 100-byte rows, 50 for history. */
static const char schema[] =
	"PRAGMA page_size = 4096;"
	"PRAGMA journal_mode = MEMORY;"
	"CREATE TABLE branches (bid INTEGER PRIMARY KEY, bbalance INTEGER, filler TEXT);"
	"CREATE TABLE tellers (tid INTEGER PRIMARY KEY, bid INTEGER, tbalance INTEGER, filler "
	"TEXT);"
	"CREATE TABLE accounts (aid INTEGER PRIMARY KEY, bid INTEGER, abalance INTEGER, filler "
	"TEXT);"
	"CREATE TABLE history (tid INTEGER, bid INTEGER, aid INTEGER, delta INTEGER, mtime INTEGER,"
	" filler TEXT);";

#define FILL88 "0123456789012345678901234567890123456789" \
	       "0123456789012345678901234567890123456789" "01234567"

static int sql_fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	return vb_errf(err, errlen, "sqlite: %s: %s", what,
		       db ? sqlite3_errmsg(db) : "no database");
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sql_fail(db, sql, err, errlen);
	return 0;
}

/* Insert rows 1..n of one table with the statement "INSERT ... VALUES (?1, ?2)",
 * ?1 the row's id and ?2 its branch. */
static int fill_table(sqlite3 *db, const char *sql, uint64_t n, uint64_t per_branch,
		      char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, sql, err, errlen);
	for (uint64_t id = 1; id <= n && !rc; id++) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)((id - 1) / per_branch + 1));
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = sql_fail(db, sql, err, errlen);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc;
}

int vb_oltp_load(struct vb_oltp *o, sqlite3 *db, uint64_t branches, uint64_t accounts,
		 uint64_t seed, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->db = db;
	o->branches = branches;
	o->accounts = accounts;
	o->rng = seed;
	if (exec(db, schema, err, errlen) < 0 || exec(db, "BEGIN", err, errlen) < 0 ||
	    fill_table(db, "INSERT INTO branches VALUES (?1, 0, '" FILL88 "')", branches, 1,
		       err, errlen) < 0 ||
	    fill_table(db, "INSERT INTO tellers VALUES (?1, ?2, 0, '" FILL88 "')",
		       branches * VB_OLTP_TELLERS, VB_OLTP_TELLERS, err, errlen) < 0 ||
	    fill_table(db, "INSERT INTO accounts VALUES (?1, ?2, 0, '" FILL88 "')",
		       branches * accounts, accounts, err, errlen) < 0 ||
	    exec(db, "COMMIT", err, errlen) < 0)
		return -1;
	for (int i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v2(db, txn_sql[i], -1, &o->stmt[i], NULL) != SQLITE_OK)
			return sql_fail(db, txn_sql[i], err, errlen);
	return 0;
}

/* Step one statement of the transaction to its end and reset it. */
static int step(struct vb_oltp *o, int i, char *err, size_t errlen)
{
	int rc;

	while ((rc = sqlite3_step(o->stmt[i])) == SQLITE_ROW)
		;
	sqlite3_reset(o->stmt[i]);
	if (rc != SQLITE_DONE)
		return sql_fail(o->db, txn_sql[i], err, errlen);
	return 0;
}

int vb_oltp_txn(struct vb_oltp *o, char *err, size_t errlen)
{
	sqlite3_int64 aid = (sqlite3_int64)vb_rand_below(&o->rng, o->branches * o->accounts) + 1;
	sqlite3_int64 tid =
		(sqlite3_int64)vb_rand_below(&o->rng, o->branches * VB_OLTP_TELLERS) + 1;
	sqlite3_int64 bid = (tid - 1) / VB_OLTP_TELLERS + 1;
	sqlite3_int64 delta = (sqlite3_int64)vb_rand_below(&o->rng, 2 * DELTA_MAX + 1) - DELTA_MAX;
	sqlite3_stmt **s = o->stmt;

	sqlite3_bind_int64(s[S_ACCOUNT], 1, delta);
	sqlite3_bind_int64(s[S_ACCOUNT], 2, aid);
	sqlite3_bind_int64(s[S_READ], 1, aid);
	sqlite3_bind_int64(s[S_TELLER], 1, delta);
	sqlite3_bind_int64(s[S_TELLER], 2, tid);
	sqlite3_bind_int64(s[S_BRANCH], 1, delta);
	sqlite3_bind_int64(s[S_BRANCH], 2, bid);
	sqlite3_bind_int64(s[S_HISTORY], 1, tid);
	sqlite3_bind_int64(s[S_HISTORY], 2, bid);
	sqlite3_bind_int64(s[S_HISTORY], 3, aid);
	sqlite3_bind_int64(s[S_HISTORY], 4, delta);
	/* The transaction's number, not the time: the same seed, the same database. */
	sqlite3_bind_int64(s[S_HISTORY], 5, (sqlite3_int64)o->done);
	for (int i = 0; i < S_COUNT; i++) {
		if (step(o, i, err, errlen) < 0) {
			sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	o->done++;
	return 0;
}

static int scalar(sqlite3 *db, const char *sql, sqlite3_int64 *out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, sql, err, errlen);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		sql_fail(db, sql, err, errlen);
	}
	sqlite3_finalize(st);
	return rc;
}

int vb_oltp_check(struct vb_oltp *o, char *err, size_t errlen)
{
	static const char *const sums[] = {
		"SELECT total(abalance) FROM accounts", "SELECT total(tbalance) FROM tellers",
		"SELECT total(bbalance) FROM branches",
	};
	sqlite3_int64 history, rows, v;

	if (scalar(o->db, "SELECT total(delta) FROM history", &history, err, errlen) < 0 ||
	    scalar(o->db, "SELECT count(*) FROM history", &rows, err, errlen) < 0)
		return -1;
	if ((uint64_t)rows != o->done)
		return vb_errf(err, errlen, "history has %lld rows after %llu transactions",
			       (long long)rows, (unsigned long long)o->done);
	for (int i = 0; i < 3; i++) {
		if (scalar(o->db, sums[i], &v, err, errlen) < 0)
			return -1;
		if (v != history)
			return vb_errf(err, errlen,
				       "inconsistent database: %s gives %lld, the history's "
				       "deltas %lld",
				       sums[i], (long long)v, (long long)history);
	}
	return 0;
}

void vb_oltp_finish(struct vb_oltp *o)
{
	for (int i = 0; i < S_COUNT; i++) {
		sqlite3_finalize(o->stmt[i]);
		o->stmt[i] = NULL;
	}
}

/* ---- the bench ---- */

struct state {
	struct vb_oltp o;
	bool configured;	/* SQLite's page cache is ctx->mem */
};

/* The page cache must be one SQLite never outgrew: a page from the heap would
 * not be in the requested page size. */
static int cache_fits(struct vb_bench_ctx *ctx)
{
	int cur = 0, hi = 0;

	sqlite3_status(SQLITE_STATUS_PAGECACHE_OVERFLOW, &cur, &hi, 0);
	if (hi > 0)
		return vb_errf(ctx->err, sizeof(ctx->err), "the database outgrew the page cache "
			       "(%d bytes from the heap): raise footprint", hi);
	/* And it is there: pages in use in the bench's memory. */
	sqlite3_status(SQLITE_STATUS_PAGECACHE_USED, &cur, &hi, 0);
	if (cur <= 0)
		return vb_errf(ctx->err, sizeof(ctx->err), "sqlite did not take its pages from the "
			       "bench's memory (SQLITE_CONFIG_PAGECACHE ignored)");
	return 0;
}

static int setup(struct vb_bench_ctx *ctx)
{
	uint64_t footprint = vb_param_get(&ctx->params, "footprint");
	struct state *st = calloc(1, sizeof(*st));
	int hdr = 0, slot;
	sqlite3 *db = NULL;

	if (!st)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	ctx->state = st;
	if (vb_bench_mem_alloc(ctx, footprint, true) < 0)
		return -1;
	/* Configuration is process-wide and only allowed while SQLite is down. */
	sqlite3_shutdown();
	if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr) != SQLITE_OK)
		return vb_errf(ctx->err, sizeof(ctx->err),
			       "sqlite: cannot read the page header size");
	slot = (DB_PAGE + hdr + 7) & ~7;
	if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, ctx->mem.addr, slot,
			   (int)(ctx->mem.len / (size_t)slot)) != SQLITE_OK ||
	    sqlite3_initialize() != SQLITE_OK)
		return vb_errf(ctx->err, sizeof(ctx->err),
			       "sqlite: cannot use the bench's memory as "
			       "its page cache");
	st->configured = true;
	/* A fresh high-water mark: overflows are this run's alone. */
	{
		int cur, hi;

		sqlite3_status(SQLITE_STATUS_PAGECACHE_OVERFLOW, &cur, &hi, 1);
	}
	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		sql_fail(db, "open :memory:", ctx->err, sizeof(ctx->err));
		sqlite3_close(db);
		return -1;
	}
	st->o.db = db;
	if (vb_oltp_load(&st->o, db, vb_param_get(&ctx->params, "branches"),
			 vb_param_get(&ctx->params, "accounts"), ctx->seed, ctx->err,
			 sizeof(ctx->err)) < 0)
		return -1;
	return cache_fits(ctx);
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	struct state *st = ctx->state;
	uint64_t n = vb_param_get(&ctx->params, "transactions");

	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = vb_now_ns();

		if (vb_oltp_txn(&st->o, ctx->err, sizeof(ctx->err)) < 0)
			return -1;
		vb_bench_latency(ctx, vb_now_ns() - t0);
	}
	ops->ops = n;
	return 0;
}

static int check(struct vb_bench_ctx *ctx)
{
	struct state *st = ctx->state;

	if (vb_oltp_check(&st->o, ctx->err, sizeof(ctx->err)) < 0)
		return -1;
	return cache_fits(ctx);
}

static void teardown(struct vb_bench_ctx *ctx)
{
	struct state *st = ctx->state;

	if (st) {
		vb_oltp_finish(&st->o);
		sqlite3_close(st->o.db);
		if (st->configured) {
			/* SQLite lets go of the memory before it is unmapped. */
			sqlite3_shutdown();
			sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
		}
	}
	vb_bench_teardown(ctx);
}

const struct vb_bench vb_bench_oltp = {
	.name = "oltp",
	.summary = "TPC-B-like transactions on SQLite, its page cache in the bench's memory",
	.unit_kind = VB_UNIT_OPS_PER_SEC,
	.unit = "transactions/s",
	.params = params,
	.uses_pages = true,
	.setup = setup,
	.run = run,
	.teardown = teardown,
	.check = check,
	.latency = true,
};
