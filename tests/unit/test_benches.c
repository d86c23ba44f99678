/* test_benches.c: each bench's core at tiny sizes, and each bench through the
 * runner (microbench/), checking the rows they produce. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "microbench/bench.h"
#include "microbench/ptrchase.h"
#include "microbench/runner.h"
#include "tests/unit/hostlock.h"

/* Parameter values for bench `name` from "k=v" assignments. */
static const struct vb_bench *params_for(const char *name, struct vb_param_values *pv,
					 const char *const *sets)
{
	const struct vb_bench *b = vb_bench_find(name);
	char err[256];

	cr_assert_not_null(b, "bench %s is not registered", name);
	vb_param_defaults(pv, b->params);
	for (int i = 0; sets && sets[i]; i++)
		cr_assert_eq(vb_param_set(pv, sets[i], err, sizeof(err)), 0, "%s: %s", sets[i],
			     err);
	return b;
}

/* A quick stop rule: exactly n samples. */
static void quick_opts(struct vb_runner_opts *o, unsigned n, enum vb_page_size ps)
{
	vb_runner_opts_default(o);
	o->stop = (struct vb_stop_rule){
		.min_runs = n, .max_runs = n, .target_ci = 0, .max_seconds = 0
	};
	o->warmup = 1;
	o->pages = ps;
	o->seed = 7;
}

static json_t *run_row(const char *name, const char *const *sets, unsigned n, enum vb_page_size ps)
{
	struct vb_param_values pv;
	struct vb_runner_opts o;
	const struct vb_bench *b = params_for(name, &pv, sets);
	json_t *row;

	quick_opts(&o, n, ps);
	row = vb_runner_run(b, &pv, &o);
	cr_assert_not_null(row);
	return row;
}

static const char *jstr(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);

	if (path2)
		v = json_object_get(v, path2);
	return json_string_value(v);
}

static double jnum(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);

	if (path2)
		v = json_object_get(v, path2);
	cr_assert(json_is_number(v), "%s.%s is not a number", path1, path2 ? path2 : "");
	return json_number_value(v);
}

/* Status ok, n samples, all finite and positive, median inside [lo, hi]. */
static void assert_ok_row(json_t *row, unsigned n, double lo, double hi)
{
	json_t *samples = json_object_get(row, "samples");
	char *dump = json_dumps(row, JSON_COMPACT);

	cr_assert_str_eq(jstr(row, "status", NULL), "ok", "row not ok: %s", dump);
	cr_assert_eq(json_array_size(samples), n, "%s", dump);
	for (size_t i = 0; i < n; i++) {
		double v = json_number_value(json_array_get(samples, i));

		cr_assert(isfinite(v) && v > 0, "sample %zu is %g", i, v);
	}
	cr_assert_eq(jnum(row, "stats", "n"), n);
	double med = jnum(row, "stats", "median");

	cr_assert(med >= lo && med <= hi, "median %g outside [%g, %g]: %s", med, lo, hi, dump);
	cr_assert(jnum(row, "stats", "ci95_low") <= med && med <= jnum(row, "stats", "ci95_high"));
	cr_assert_gt(jnum(row, "counters", "ops"), 0);
	free(dump);
}

Test(benches, table_and_lookup)
{
	char names[256];

	cr_assert_null(vb_bench_find("nosuch"));
	vb_bench_names(names, sizeof(names));
	cr_assert_str_eq(names,
			 "ptrchase, forkwait, forkstorm, mmapchurn, ctxswitch, pagefault, gups, "
			 "build, kvstore, oltp");
	for (int i = 0; vb_benches[i]; i++) {
		const struct vb_bench *b = vb_benches[i];

		cr_assert_eq(vb_bench_find(b->name), b);
		cr_assert(b->summary && b->unit && b->setup && b->run && b->teardown,
			  "%s incomplete", b->name);
		cr_assert_leq(vb_param_count(b->params), VB_PARAMS_MAX);
	}
}

/* Follow the chain from its start: it must come back after exactly `nodes`
 * hops, having visited every node once. */
static void assert_single_cycle(void *base, size_t nodes, size_t stride)
{
	char *seen = calloc(nodes, 1);
	void **start = vb_ptrchase_build(base, nodes, stride, 42), **p = start;
	size_t hops = 0;

	cr_assert_not_null(seen);
	do {
		size_t idx = (size_t)((char *)p - (char *)base) / stride;

		cr_assert_lt(idx, nodes);
		cr_assert_eq((void *)p, vb_ptrchase_node(base, idx, stride),
			     "pointer off its node");
		cr_assert_not(seen[idx], "node %zu visited twice after %zu hops", idx, hops);
		seen[idx] = 1;
		p = *p;
		hops++;
	} while (p != start && hops <= nodes);
	cr_assert_eq(hops, nodes, "cycle of %zu hops over %zu nodes", hops, nodes);
	free(seen);
}

Test(ptrchase, permutation_is_one_cycle_over_all_nodes)
{
	size_t len = 1 << 20;
	void *base = aligned_alloc(4096, len);

	cr_assert_not_null(base);
	assert_single_cycle(base, len / 4096, 4096);	/* layout=page */
	assert_single_cycle(base, len / 64, 64);	/* layout=line */
	assert_single_cycle(base, 2, 4096);		/* smallest cycle */
	free(base);
}

Test(ptrchase, page_layout_varies_the_line)
{
	char base[64];
	size_t lines[64] = { 0 }, distinct = 0;

	/* The offset within each page must not be the same line for all pages,
	 * or every node lands in the same cache sets. */
	for (size_t i = 0; i < 256; i++) {
		size_t off = (size_t)((char *)vb_ptrchase_node(base, i, 4096) - base) - i * 4096;

		cr_assert_eq(off % 64, 0);
		cr_assert_lt(off, 4096);
		if (!lines[off / 64]++)
			distinct++;
	}
	cr_assert_gt(distinct, 32, "only %zu distinct lines over 256 pages", distinct);
}

Test(ptrchase, runs_through_the_runner)
{
	const char *sets[] = { "footprint=1M", "loads=100000", NULL };
	json_t *row = run_row("ptrchase", sets, 3, VB_PS_4K);

	/* 256 nodes sit in cache: a load takes well under a microsecond. */
	assert_ok_row(row, 3, 0.05, 1000);
	cr_assert_str_eq(jstr(row, "unit", NULL), "ns/load");
	cr_assert_str_eq(jstr(row, "pages", "verified"), "4k");
	cr_assert(json_is_true(json_object_get(json_object_get(row, "pages"), "honoured")));
	cr_assert_eq(jnum(row, "counters", "ops"), 300000);
	cr_assert_eq(jnum(row, "params", "footprint"), 1 << 20);
	cr_assert_str_eq(jstr(row, "params", "layout"), "page");
	json_decref(row);
}

Test(ptrchase, thp_run_is_verified_2m)
{
	const char *sets[] = { "footprint=8M", "loads=10000", NULL };
	json_t *row;

	vb_test_host_lock(false);	/* relies on system-wide THP */
	row = run_row("ptrchase", sets, 3, VB_PS_2M);

	assert_ok_row(row, 3, 0.05, 10000);
	cr_assert_str_eq(jstr(row, "pages", "backing"), "anonymous_thp");
	cr_assert_str_eq(jstr(row, "pages", "verified"), "2m");
	json_decref(row);
}

Test(gups, touches_the_table)
{
	const struct vb_bench *b;
	struct vb_bench_ctx ctx;
	struct vb_ops ops = { 0 };
	const char *sets[] = { "footprint=64K", "updates=100000", NULL };
	uint64_t *t;
	size_t n = (64 << 10) / 8, changed = 0;

	memset(&ctx, 0, sizeof(ctx));
	b = params_for("gups", &ctx.params, sets);
	ctx.pages = VB_PS_4K;
	ctx.seed = 3;
	cr_assert_eq(b->setup(&ctx), 0, "%s", ctx.err);
	t = ctx.mem.addr;
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(t[i], i, "table not initialised at %zu", i);
	cr_assert_eq(b->run(&ctx, &ops), 0, "%s", ctx.err);
	cr_assert_eq(ops.ops, 100000);
	for (size_t i = 0; i < n; i++)
		changed += t[i] != i;
	/* 100000 random updates over 8192 words miss almost none (e^-12). */
	cr_assert_gt(changed, n * 99 / 100, "only %zu of %zu words updated", changed, n);
	b->teardown(&ctx);
}

Test(gups, runs_through_the_runner)
{
	const char *sets[] = { "footprint=1M", "updates=100000", NULL };
	json_t *row = run_row("gups", sets, 3, VB_PS_4K);

	assert_ok_row(row, 3, 1e5, 1e11);
	cr_assert_str_eq(jstr(row, "unit", NULL), "updates/s");
	json_decref(row);
}

Test(forkwait, counts_forks)
{
	const char *sets[] = { "forks=5", "footprint=4M", NULL };
	json_t *row = run_row("forkwait", sets, 3, VB_PS_4K);

	assert_ok_row(row, 3, 1, 1e6);
	/* 3 timed runs of 5 forks */
	cr_assert_eq(jnum(row, "counters", "ops"), 15);
	cr_assert_str_eq(jstr(row, "pages", "verified"), "4k");
	cr_assert_eq(jnum(json_object_get(row, "pages"), "guest_bytes", "4k"), 4 << 20);
	json_decref(row);
}

Test(forkwait, no_footprint_has_nothing_to_verify)
{
	const char *sets[] = { "forks=3", NULL };
	json_t *row = run_row("forkwait", sets, 3, VB_PS_4K);

	assert_ok_row(row, 3, 1, 1e6);
	cr_assert(json_is_null(json_object_get(json_object_get(row, "pages"), "verified")));
	json_decref(row);
}

Test(forkstorm, forks_children_per_round)
{
	const char *sets[] = { "children=4", "rounds=2", NULL };
	json_t *row = run_row("forkstorm", sets, 3, VB_PS_4K);

	assert_ok_row(row, 3, 1, 1e6);
	cr_assert_eq(jnum(row, "counters", "ops"), 3 * 4 * 2);
	json_decref(row);
}

Test(mmapchurn, reports_iterations_and_pages)
{
	const char *sets[] = { "pages=8", "iterations=20", NULL };
	json_t *row = run_row("mmapchurn", sets, 3, VB_PS_4K);
	double it, pg;

	assert_ok_row(row, 3, 0.01, 1e6);
	cr_assert_eq(jnum(row, "counters", "ops"), 60);
	it = jnum(row, "stats", "median");
	pg = jnum(row, "extra", "us_per_page");
	/* The same time over 8x as many pages. */
	cr_assert(pg > it / 8 * 0.5 && pg < it / 8 * 2, "us_per_page %g vs us/iteration %g", pg,
		  it);
	/* Every touched page faults: the software counter sees at least 8 per iteration. */
	json_t *sw = json_object_get(json_object_get(row, "counters"), "software");

	cr_assert_geq(json_integer_value(json_object_get(sw, "minor_faults")), 60 * 8);
	json_decref(row);
}

Test(ctxswitch, process_round_trips)
{
	const char *sets[] = { "round_trips=200", NULL };
	json_t *row = run_row("ctxswitch", sets, 3, VB_PS_4K);
	json_t *sw;

	assert_ok_row(row, 3, 0.01, 1e5);
	/* two switches per round trip */
	cr_assert_eq(jnum(row, "counters", "ops"), 3 * 200 * 2);
	sw = json_object_get(json_object_get(row, "counters"), "software");
	cr_assert_geq(json_integer_value(json_object_get(sw, "context_switches")), 3 * 200 * 2,
		      "pinned to one CPU, each round trip blocks the parent and the partner once, "
		      "and the partner's switches are counted too");
	json_decref(row);
}

Test(ctxswitch, thread_round_trips_and_restores_affinity)
{
	const char *sets[] = { "round_trips=200", "kind=thread", NULL };
	cpu_set_t before, after;
	json_t *row;

	cr_assert_eq(sched_getaffinity(0, sizeof(before), &before), 0);
	row = run_row("ctxswitch", sets, 3, VB_PS_4K);
	assert_ok_row(row, 3, 0.01, 1e5);
	cr_assert_eq(sched_getaffinity(0, sizeof(after), &after), 0);
	cr_assert(CPU_EQUAL(&before, &after), "ctxswitch left the runner pinned");
	json_decref(row);
}

Test(ctxswitch, two_cpus_skip_when_only_one_allowed)
{
	const char *sets[] = { "round_trips=10", "cpus=2", NULL };
	cpu_set_t one;
	json_t *row;

	CPU_ZERO(&one);
	cr_assert_eq(sched_getaffinity(0, sizeof(one), &one), 0);
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (CPU_ISSET(c, &one)) {
			CPU_ZERO(&one);
			CPU_SET(c, &one);
			break;
		}
	}
	cr_assert_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	row = run_row("ctxswitch", sets, 3, VB_PS_4K);
	cr_assert_str_eq(jstr(row, "status", NULL), "skipped");
	cr_assert(strstr(jstr(row, "reason", NULL), "cpus=2 needs two CPUs"), "%s",
		  jstr(row, "reason", NULL));
	cr_assert_eq(json_array_size(json_object_get(row, "samples")), 0);
	json_decref(row);
}

Test(pagefault, one_fault_per_page)
{
	const char *sets[] = { "footprint=4M", NULL };
	json_t *row = run_row("pagefault", sets, 3, VB_PS_4K);
	json_t *sw;

	assert_ok_row(row, 3, 1, 1e6);
	cr_assert_eq(jnum(row, "counters", "ops"), 3 * 1024);
	cr_assert_str_eq(jstr(row, "pages", "verified"), "4k");
	/* Fresh memory each run: the kernel saw (at least) every fault. */
	sw = json_object_get(json_object_get(row, "counters"), "software");
	cr_assert_geq(json_integer_value(json_object_get(sw, "minor_faults")), 3 * 1024);
	json_decref(row);
}

Test(pagefault, thp_faults_2m_pages)
{
	const char *sets[] = { "footprint=8M", NULL };
	json_t *row;

	vb_test_host_lock(false);	/* relies on system-wide THP */
	row = run_row("pagefault", sets, 3, VB_PS_2M);

	assert_ok_row(row, 3, 1, 1e8);
	cr_assert_eq(jnum(row, "counters", "ops"), 3 * 4);
	cr_assert_str_eq(jstr(row, "pages", "verified"), "2m");
	json_decref(row);
}

/* The entry of counters.unavailable for metric, or NULL. */
static json_t *unavailable_entry(json_t *row, const char *metric)
{
	json_t *u, *arr = json_object_get(json_object_get(row, "counters"), "unavailable");
	size_t i;

	json_array_foreach(arr, i, u)
		if (!strcmp(json_string_value(json_object_get(u, "metric")), metric))
			return u;
	return NULL;
}

Test(runner, pmu_absence_is_recorded_not_fatal)
{
	struct vb_param_values pv;
	struct vb_runner_opts o;
	const char *sets[] = { "footprint=64K", "loads=1000", NULL };
	const struct vb_bench *b = params_for("ptrchase", &pv, sets);
	json_t *row, *pmu, *u;

	quick_opts(&o, 3, VB_PS_4K);
	/* A name libpfm4 resolves on a forced PMU, then perf may or may not open it. */
	setenv("LIBPFM_FORCE_PMU", "skl", 1);
	o.events = "INST_RETIRED:ANY_P,NO_SUCH_EVENT_XYZ";
	row = vb_runner_run(b, &pv, &o);
	cr_assert_str_eq(jstr(row, "status", NULL), "ok");
	cr_assert_str_eq(jstr(row, "counters", "set"), "default");
	pmu = json_object_get(json_object_get(json_object_get(row, "counters"), "pmu"), "all");
	/* Either the event counted, or the reason says why not; the bad name is never silent. */
	u = unavailable_entry(row, "NO_SUCH_EVENT_XYZ");
	cr_assert_not_null(u, "unknown event left no reason");
	cr_assert_str_eq(json_string_value(json_object_get(u, "cause")), "libpfm4");
	cr_assert(strstr(json_string_value(json_object_get(u, "reason")),
			 "does not resolve on PMU skl"));
	cr_assert(json_is_integer(json_object_get(pmu, "INST_RETIRED:ANY_P")) ||
		  unavailable_entry(row, "INST_RETIRED:ANY_P"));
	/* --events adds: cycles and instructions are still asked for. */
	cr_assert(json_object_get(pmu, "cycles") || unavailable_entry(row, "cycles"));
	cr_assert(json_object_get(pmu, "instructions") || unavailable_entry(row, "instructions"));
	json_decref(row);
}

Test(runner, counters_none_counts_nothing)
{
	struct vb_param_values pv;
	struct vb_runner_opts o;
	const char *sets[] = { "footprint=64K", "loads=1000", NULL };
	const struct vb_bench *b = params_for("ptrchase", &pv, sets);
	json_t *row, *c;

	quick_opts(&o, 3, VB_PS_4K);
	o.counters = VB_CSET_NONE;
	row = vb_runner_run(b, &pv, &o);
	c = json_object_get(row, "counters");
	cr_assert_str_eq(jstr(row, "counters", "set"), "none");
	cr_assert_eq(json_object_size(json_object_get(c, "software")), 0);
	cr_assert_eq(json_object_size(json_object_get(c, "pmu")), 0);
	cr_assert_eq(json_array_size(json_object_get(c, "unavailable")), 0);
	json_decref(row);
}

Test(runner, hugetlb_1g_without_pages_is_skipped_with_the_command)
{
	const char *sets[] = { "footprint=64K", NULL };
	long nfree;
	json_t *row;

	/* Relies on the 1G pool staying empty while it runs. */
	vb_test_host_lock(false);
	nfree = vb_hugepages_free(1UL << 30);
	if (nfree != 0)
		cr_skip_test("1G pool has %ld free pages (or none exists); the skip path needs "
			     "exactly 0",
			     nfree);
	row = run_row("ptrchase", sets, 3, VB_PS_1G);
	cr_assert_str_eq(jstr(row, "status", NULL), "skipped");
	cr_assert(strstr(jstr(row, "reason", NULL), "hugepages-1048576kB/nr_hugepages"), "%s",
		  jstr(row, "reason", NULL));
	json_decref(row);
}

Test(runner, stops_early_once_the_ci_is_met)
{
	struct vb_param_values pv;
	struct vb_runner_opts o;
	const char *sets[] = { "footprint=64K", "loads=200000", NULL };
	const struct vb_bench *b = params_for("ptrchase", &pv, sets);
	json_t *row;

	vb_runner_opts_default(&o);
	o.stop = (struct vb_stop_rule){
		.min_runs = 3, .max_runs = 200, .target_ci = 0.5, .max_seconds = 20
	};
	row = vb_runner_run(b, &pv, &o);
	cr_assert_str_eq(jstr(row, "status", NULL), "ok");
	/* A 50% target is met long before 200 samples of an in-cache chase. */
	cr_assert_lt(jnum(row, "stats", "n"), 200);
	cr_assert_geq(jnum(row, "stats", "n"), 3);
	json_decref(row);
}
