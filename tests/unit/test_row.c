/* test_row.c: the row module: what its builders write is what its accessors read. */
#include <criterion/criterion.h>
#include <math.h>

#include "lib/stats.h"
#include "lib/row.h"

Test(row, stats_samples_and_latency_read_back)
{
	json_t *row = json_object();
	double x[] = { 3, 1, 2, NAN }, v = 0, *s;
	struct vb_stats st;
	size_t n;

	vb_stats_compute(x, 3, 1, &st);
	vb_row_set_stats(row, &st);
	vb_row_set_samples(row, x, 4);
	vb_row_set_status(row, "ok", NULL);
	cr_assert(vb_row_is_ok(row));
	cr_assert(vb_row_stat(row, "median", &v));
	cr_assert_float_eq(v, 2, 1e-12);
	s = vb_row_samples(row, &n);
	cr_assert_eq(n, 3, "the NaN sample is null in JSON and skipped when read");
	free(s);
	cr_assert_null(json_object_get(row, "reason"));
	vb_row_set_latency(row, 10, 1.5, 9, 12);
	cr_assert(vb_row_latency(row, "p99", &v));
	cr_assert_float_eq(v, 9, 1e-12);
	vb_row_set_stats_spread(row, 3, 0.5, 0.25);
	cr_assert(vb_row_stat(row, "var_within", &v));
	cr_assert_float_eq(v, 0.25, 1e-12);
	vb_row_set_status(row, "failed", "it broke");
	cr_assert_not(vb_row_is_ok(row));
	cr_assert_str_eq(vb_row_str(row, "reason"), "it broke");
	json_decref(row);
}

Test(row, params_and_memory)
{
	static const struct vb_param_def defs[] = {
		{ .name = "pages", .type = VB_PARAM_U64, .def = 8, .min = 1, .max = 100,
		  .mem = VB_MEM_PAGES },
		{ .name = "kind", .type = VB_PARAM_CHOICE, .def = 1, .choices = "a,b" },
		{ 0 },
	};
	struct vb_param_values pv;
	json_t *row = json_object();
	double v;

	vb_row_set_pages(row, "2m:2m", NULL, false);
	vb_param_defaults(&pv, defs);
	vb_row_set_params(row, vb_row_params_json(&pv));
	cr_assert_str_eq(json_string_value(vb_row_param(row, "kind")), "b");
	cr_assert(vb_row_param_num(row, "pages", &v));
	cr_assert(vb_row_mem_bytes(row, &v));
	cr_assert_float_eq(v, 8.0 * (2 << 20), 1, "8 pages of 2M");
	json_decref(row);
}

Test(row, counters_and_walk)
{
	json_t *row = json_object(), *c = vb_row_counters_json(1000);
	double v;

	json_object_set_new(json_object_get(c, "pmu"), "all",
			    json_pack("{s:f}", "dtlb_load_walk_cycles", 5000.0));
	vb_row_set_counters(row, c);
	vb_row_set_kvm(row, "pf_fixed", 7);
	cr_assert(vb_row_ops(row, &v) && v == 1000);
	cr_assert(vb_row_pmu(row, "all", "dtlb_load_walk_cycles", &v) && v == 5000);
	cr_assert_not(vb_row_pmu(row, "guest", "dtlb_load_walk_cycles", &v));
	cr_assert(vb_row_kvm(row, "pf_fixed", &v) && v == 7);
	json_decref(row);
}

Test(row, timing_says_what_emulated_it)
{
	json_t *row = json_pack("{s:b}", "emulated_cpl0", 1);

	cr_assert_str_eq(vb_row_emulated_by(row), "pvm-cpl0", "an older row, by its flag");
	vb_row_finish_timing(row, false);
	cr_assert_str_eq(vb_row_str(row, "timing"), "emulated");
	cr_assert_str_eq(vb_row_emulated_by(row), "pvm-cpl0");
	json_object_set_new(row, "accel", json_string("tcg"));
	vb_row_finish_timing(row, false);
	cr_assert_str_eq(vb_row_emulated_by(row), "tcg");
	json_object_set_new(row, "emulated_cpl0", json_false());
	json_object_del(row, "accel");
	vb_row_finish_timing(row, false);
	cr_assert_not(vb_row_emulated(row));
	cr_assert_str_eq(vb_row_str(row, "timing"), "hardware");
	vb_row_finish_timing(row, true);
	cr_assert_str_eq(vb_row_emulated_by(row), "tcg", "a TCG host emulates native rows too");
	json_decref(row);
}

/* The setters a test derives rows with write what the producers write: the
 * runner's statistics, the invocation merge's two levels. */
Test(row, setters_rebuild_what_the_producers_build)
{
	json_t *row = json_object();
	double x[] = { 10, 11, 12, 13, 30, 31, 32, 33 }, v;
	size_t len[] = { 4, 4 };
	struct vb_stats st;
	struct vb_hier_stats h;

	vb_row_set_measured(row, x, 4, 7);
	vb_stats_compute(x, 4, 7, &st);
	cr_assert(vb_row_stat(row, "median", &v));
	cr_assert_float_eq(v, st.median, 1e-12);
	cr_assert(vb_row_stat(row, "ci95_high", &v));
	cr_assert_float_eq(v, st.ci_high, 1e-12);
	cr_assert_eq(vb_row_samples_count(row), 4);

	cr_assert_eq(vb_row_set_invocations(row, x, len, 2, 7), 0);
	cr_assert_eq(vb_stats_hier(x, len, 2, 7, &h), 0);
	cr_assert(vb_row_stat(row, "median", &v));
	cr_assert_float_eq(v, h.median, 1e-12);
	cr_assert(vb_row_stat(row, "invocations", &v) && v == 2);
	cr_assert_eq(json_array_size(vb_row_invocations_json(row)), 2);
	cr_assert_eq(vb_row_samples_count(row), 8);
	/* New samples without invocations: the old invocations no longer hold. */
	vb_row_set_measured(row, x, 3, 7);
	cr_assert_null(vb_row_invocations_json(row));
	cr_assert_not(vb_row_stat(row, "invocations", &v));

	cr_assert_eq(vb_row_set_str(row, "mode", "shadow"), 0);
	cr_assert_str_eq(vb_row_str(row, "mode"), "shadow");
	cr_assert_eq(vb_row_set_str(row, "stats", "x"), -1, "not a string key");
	cr_assert_eq(vb_row_set_str(row, "pages.requested", "4k"), -1, "not a top-level key");
	cr_assert_eq(vb_row_set_str(row, "no_such_key", "x"), -1);
	vb_row_set_pages(row, "1g", "2m", false);
	cr_assert_str_eq(vb_row_pages(row, "verified"), "2m");
	cr_assert_not(vb_row_honoured(row));
	vb_row_set_param(row, "footprint", json_integer(1 << 20));
	cr_assert(vb_row_mem_bytes(row, &v) && v == 1 << 20);
	vb_row_set_kvm(row, "exits", 5);
	vb_row_set_ops(row, 100);
	cr_assert(vb_row_kvm(row, "exits", &v) && v == 5);
	cr_assert(vb_row_ops(row, &v) && v == 100);
	cr_assert_eq(vb_row_check(row, (char[128]){ 0 }, 128), -1, "no status yet");
	vb_row_set_status(row, "ok", NULL);
	vb_row_set_str(row, "bench", "ptrchase");
	cr_assert_eq(vb_row_check(row, (char[128]){ 0 }, 128), 0);
	json_decref(row);
}
