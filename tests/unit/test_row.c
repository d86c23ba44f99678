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
	json_t *row = json_pack("{s:{s:s}}", "pages", "requested", "2m:2m");
	double v;

	vb_param_defaults(&pv, defs);
	json_object_set_new(row, "params", vb_row_params_json(&pv));
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
	json_object_set_new(c, "kvm", json_pack("{s:i}", "pf_fixed", 7));
	json_object_set_new(row, "counters", c);
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
