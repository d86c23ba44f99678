/* test_workloads.c: the workloads of workloads/ at tiny sizes through the
 * runner (rows with throughput, latency percentiles and verified pages), the
 * Zipfian generator, and the oltp database's consistency check. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "microbench/bench.h"
#include "microbench/runner.h"
#include "workloads/oltp.h"
#include "workloads/zipf.h"

static json_t *run_row(const char *name, const char *const *sets, unsigned n, enum vb_page_size ps)
{
	const struct vb_bench *b = vb_bench_find(name);
	struct vb_param_values pv;
	struct vb_runner_opts o;
	char err[256];
	json_t *row;

	cr_assert_not_null(b, "%s is not registered", name);
	vb_param_defaults(&pv, b->params);
	for (int i = 0; sets && sets[i]; i++)
		cr_assert_eq(vb_param_set(&pv, sets[i], err, sizeof(err)), 0, "%s: %s", sets[i],
			     err);
	vb_runner_opts_default(&o);
	o.stop = (struct vb_stop_rule){
		.min_runs = n, .max_runs = n, .target_ci = 0, .max_seconds = 0
	};
	o.pages = ps;
	o.seed = 5;
	row = vb_runner_run(b, &pv, &o);
	cr_assert_not_null(row);
	return row;
}

static json_t *at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	return b ? json_object_get(v, b) : v;
}

/* ok, n samples in the bench's unit, latency percentiles in order, the
 * requested pages verified. */
static void assert_workload_row(json_t *row, unsigned n, const char *unit, const char *pages)
{
	char *dump = json_dumps(row, JSON_COMPACT);
	double p50, p99, max;

	cr_assert_str_eq(json_string_value(at(row, "status", NULL)), "ok", "%s", dump);
	cr_assert_str_eq(json_string_value(at(row, "unit", NULL)), unit);
	cr_assert_eq(json_array_size(at(row, "samples", NULL)), n, "%s", dump);
	cr_assert_gt(json_number_value(at(row, "stats", "median")), 0);
	cr_assert_str_eq(json_string_value(at(row, "latency", "unit")), "us", "%s", dump);
	cr_assert_geq(json_integer_value(at(row, "latency", "n")), 1);
	p50 = json_number_value(at(row, "latency", "p50"));
	p99 = json_number_value(at(row, "latency", "p99"));
	max = json_number_value(at(row, "latency", "max"));
	cr_assert(p50 > 0 && p50 <= p99 && p99 <= max, "p50 %g p99 %g max %g", p50, p99, max);
	cr_assert_str_eq(json_string_value(at(row, "pages", "verified")), pages, "%s", dump);
	cr_assert(json_is_true(at(row, "pages", "honoured")), "%s", dump);
	free(dump);
}

/* build's jobs are vbench-guest's: the one beside this test's folder. */
static void use_built_guest(void)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	cr_assert_gt(n, 0);
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/../vbench-guest", dirname(self));
	if (access(path, X_OK) < 0)
		cr_skip_test("%s is not built (make all builds it)", path);
	setenv("VBENCH_GUEST", path, 1);
}

Test(build, jobs_run_and_their_heaps_are_verified)
{
	const char *sets[] = { "jobs=6", "parallel=2", "footprint=1M", NULL };
	json_t *row;

	use_built_guest();
	row = run_row("build", sets, 3, VB_PS_4K);
	assert_workload_row(row, 3, "jobs/s", "4k");
	cr_assert_eq(json_number_value(at(row, "counters", "ops")), 18);
	/* One latency per job of the timed runs: the warmup's are not counted. */
	cr_assert_eq(json_integer_value(at(row, "latency", "n")), 18);
	/* The verify job wrote all of its 512K heap. */
	cr_assert_eq(json_number_value(at(at(row, "pages", "guest_bytes"), "4k", NULL)), 512 << 10);
	json_decref(row);
}

Test(build, thp_jobs_get_2m_pages)
{
	const char *sets[] = { "jobs=2", "parallel=1", "footprint=4M", NULL };
	json_t *row;

	use_built_guest();
	row = run_row("build", sets, 2, VB_PS_2M);
	assert_workload_row(row, 2, "jobs/s", "2m");
	json_decref(row);
}

Test(build, a_program_that_runs_no_jobs_fails_the_row)
{
	const char *sets[] = { "jobs=2", "footprint=1M", NULL };
	json_t *row;

	setenv("VBENCH_GUEST", "/bin/true", 1);
	row = run_row("build", sets, 2, VB_PS_4K);
	cr_assert_str_eq(json_string_value(at(row, "status", NULL)), "failed");
	cr_assert(strstr(json_string_value(at(row, "reason", NULL)), "does not run jobs"),
		  "%s", json_string_value(at(row, "reason", NULL)));
	json_decref(row);
}

Test(build, hugepage_need_counts_every_running_job)
{
	const struct vb_bench *b = vb_bench_find("build");
	struct vb_param_values pv;
	char err[128];

	vb_param_defaults(&pv, b->params);
	cr_assert_eq(vb_param_set(&pv, "footprint=6M", err, sizeof(err)), 0);
	cr_assert_eq(vb_param_set(&pv, "parallel=2", err, sizeof(err)), 0);
	/* 3M each, rounded up to 2M pages: 4M each, 8M in all; a 1G page each. */
	cr_assert_eq(vb_bench_mem_bytes(b, &pv, VB_PS_2M), 8UL << 20);
	cr_assert_eq(vb_bench_mem_bytes(b, &pv, VB_PS_1G), 2UL << 30);
	cr_assert_eq(vb_bench_mem_bytes(b, &pv, VB_PS_4K), 6UL << 20);
}

Test(kvstore, serves_requests_from_a_verified_table)
{
	const char *sets[] = { "footprint=4M", "requests=20000", "reads=90", NULL };
	json_t *row = run_row("kvstore", sets, 3, VB_PS_4K);

	assert_workload_row(row, 3, "requests/s", "4k");
	cr_assert_eq(json_integer_value(at(row, "latency", "n")), 60000);
	cr_assert_eq(json_number_value(at(at(row, "pages", "guest_bytes"), "4k", NULL)), 4 << 20);
	json_decref(row);
}

Test(kvstore, thp_table_is_2m)
{
	const char *sets[] = { "footprint=8M", "requests=1000", NULL };
	json_t *row = run_row("kvstore", sets, 2, VB_PS_2M);

	assert_workload_row(row, 2, "requests/s", "2m");
	json_decref(row);
}

/* Refused where the value is set (the command line, a plan), not at run time. */
Test(kvstore, value_must_be_whole_words)
{
	struct vb_param_values pv;
	char err[256];

	vb_param_defaults(&pv, vb_bench_find("kvstore")->params);
	cr_assert_eq(vb_param_set(&pv, "value=12", err, sizeof(err)), -1);
	cr_assert(strstr(err, "value=12 is not a multiple of 8"), "%s", err);
	cr_assert_eq(vb_param_set(&pv, "value=16", err, sizeof(err)), 0, "%s", err);
}

Test(oltp, transactions_on_a_verified_page_cache)
{
	const char *sets[] = { "footprint=8M", "accounts=2000", "transactions=300", NULL };
	json_t *row = run_row("oltp", sets, 3, VB_PS_4K);

	/* The row is ok only if the balances summed to the history after the run. */
	assert_workload_row(row, 3, "transactions/s", "4k");
	cr_assert_eq(json_integer_value(at(row, "latency", "n")), 900);
	json_decref(row);
	row = run_row("oltp", sets, 2, VB_PS_2M);
	assert_workload_row(row, 2, "transactions/s", "2m");
	json_decref(row);
}

Test(oltp, a_page_cache_too_small_fails_with_the_remedy)
{
	const char *sets[] = { "footprint=1M", "accounts=100000", "transactions=10", NULL };
	json_t *row = run_row("oltp", sets, 2, VB_PS_4K);

	cr_assert_str_eq(json_string_value(at(row, "status", NULL)), "failed");
	cr_assert(strstr(json_string_value(at(row, "reason", NULL)), "raise footprint"),
		  "%s", json_string_value(at(row, "reason", NULL)));
	json_decref(row);
}

Test(oltp, balances_sum_to_the_history_and_a_lost_update_shows)
{
	struct vb_oltp o;
	sqlite3 *db;
	char err[256];

	cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	cr_assert_eq(vb_oltp_load(&o, db, 2, 100, 9, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_oltp_check(&o, err, sizeof(err)), 0, "%s", err);
	for (int i = 0; i < 500; i++)
		cr_assert_eq(vb_oltp_txn(&o, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_oltp_check(&o, err, sizeof(err)), 0, "%s", err);
	/* A teller's update that never happened. */
	cr_assert_eq(sqlite3_exec(db, "UPDATE tellers SET tbalance = tbalance + 1 WHERE tid = 3",
				  NULL, NULL, NULL), SQLITE_OK);
	cr_assert_eq(vb_oltp_check(&o, err, sizeof(err)), -1);
	cr_assert(strstr(err, "tellers"), "%s", err);
	/* A transaction the history does not know. */
	cr_assert_eq(sqlite3_exec(db, "UPDATE tellers SET tbalance = tbalance - 1 WHERE tid = 3",
				  NULL, NULL, NULL), SQLITE_OK);
	o.done++;
	cr_assert_eq(vb_oltp_check(&o, err, sizeof(err)), -1);
	cr_assert(strstr(err, "history has 500 rows after 501"), "%s", err);
	vb_oltp_finish(&o);
	sqlite3_close(db);
}

Test(oltp, the_same_seed_gives_the_same_database)
{
	sqlite3_int64 sums[2];

	for (int k = 0; k < 2; k++) {
		struct vb_oltp o;
		sqlite3 *db;
		sqlite3_stmt *st;
		char err[256];

		cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
		cr_assert_eq(vb_oltp_load(&o, db, 1, 50, 77, err, sizeof(err)), 0, "%s", err);
		for (int i = 0; i < 200; i++)
			cr_assert_eq(vb_oltp_txn(&o, err, sizeof(err)), 0, "%s", err);
		cr_assert_eq(sqlite3_prepare_v2(db, "SELECT sum(aid * abalance) FROM accounts", -1,
						&st, NULL),
			     SQLITE_OK);
		cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
		sums[k] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		vb_oltp_finish(&o);
		sqlite3_close(db);
	}
	cr_assert_eq(sums[0], sums[1]);
}

Test(zipf, skewed_toward_rank_zero_and_deterministic)
{
	struct vb_zipf z;
	uint64_t s1 = 11, s2 = 11, zero = 0, low = 0, n = 100000;

	vb_zipf_init(&z, 1000, 0.99);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = vb_zipf_next(&z, &s1);

		cr_assert_lt(r, 1000);
		cr_assert_eq(r, vb_zipf_next(&z, &s2), "not deterministic at draw %llu",
			     (unsigned long long)i);
		zero += r == 0;
		low += r < 10;
	}
	/* theta 0.99 over 1000 items: P(rank 0) = 1/zeta(1000) ~ 0.133, ten ranks ~ 0.39. */
	cr_assert(fabs((double)zero / n - 0.133) < 0.01, "rank 0 drawn %llu of %llu",
		  (unsigned long long)zero, (unsigned long long)n);
	cr_assert(fabs((double)low / n - 0.39) < 0.02, "ranks < 10 drawn %llu",
		  (unsigned long long)low);
}

Test(zipf, zeta_beyond_a_million_is_integrated_closely)
{
	struct vb_zipf z;

	/* zeta(4e6, 0.5) = 2 sqrt(n) + zeta(0.5) + ... = 4000 - 1.4604 + O(n^-0.5). */
	vb_zipf_init(&z, 4000000, 0.5);
	cr_assert(fabs(z.zetan - (2 * sqrt(4e6) - 1.4603545)) < 0.01, "zeta %.6f", z.zetan);
}

Test(zipf, scatter_is_a_permutation)
{
	for (uint64_t n = 1; n < 300; n += 37) {
		char *seen = calloc(n, 1);

		for (uint64_t r = 0; r < n; r++) {
			uint64_t k = vb_zipf_scatter(r, n);

			cr_assert_lt(k, n);
			cr_assert_not(seen[k], "n %llu: %llu hit twice", (unsigned long long)n,
				      (unsigned long long)k);
			seen[k] = 1;
		}
		free(seen);
	}
}
