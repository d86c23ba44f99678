/* test_costmodel.c: the cost model on synthetic rows whose unit costs are
 * known: the units it reads back, the predictions it makes from them (both
 * anchors), the report section, the crossover figure. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/costmodel.h"
#include "microbench/metrics.h"
#include "tests/unit/fixture_run.h"

/* An ok, honoured row, a producer's (tests/unit/fixture_run.h) with only
 * what the cost model is given here: the median, params (steals; NULL:
 * none) and no counters. pages: "4k" for native, "G:H" for a guest mode. */
static json_t *row(const char *bench, const char *mode, const char *pages, const char *unit,
		   double median, json_t *params)
{
	json_t *r = fx_row(bench, mode, pages, unit, median, 0, 1);

	cr_assert_not_null(r, "%s (scripts/make-fixtures.sh makes it)", FX_RUNS);
	vb_row_clear_measured(r);
	vb_row_set_measured(r, &median, 1, 1);
	vb_row_set_params(r, params ? params : json_object());
	return r;
}

/* Three modes of one microbenchmark: native, shadow, ept. */
static void three(json_t *res, const char *bench, const char *unit, double nat, double sh,
		  double ept, const char *params)
{
	json_error_t e;

	json_array_append_new(res,
			      row(bench, "native", "4k", unit, nat, json_loads(params, 0, &e)));
	json_array_append_new(res,
			      row(bench, "shadow", "4k:4k", unit, sh, json_loads(params, 0, &e)));
	json_array_append_new(res,
			      row(bench, "ept", "4k:4k", unit, ept, json_loads(params, 0, &e)));
}

/* Unit costs, ns: switch 2000/10000/3000, thread switch 1500, fault
 * 500/3000/800, fork 50000/400000/80000, walk 100/110/160. */
static json_t *micro_rows(void)
{
	json_t *res = json_array(), *churn;

	three(res, "ctxswitch", "us/switch", 2, 10, 3, "{\"kind\":\"process\"}");
	three(res, "ctxswitch", "us/switch", 1.5, 1.5, 1.5, "{\"kind\":\"thread\"}");
	three(res, "pagefault", "ns/fault", 500, 3000, 800, "{\"footprint\":67108864}");
	three(res, "forkwait", "us/fork", 50, 400, 80, "{\"footprint\":0}");
	three(res, "forkwait", "us/fork", 500, 4000, 800, "{\"footprint\":67108864}");
	three(res, "ptrchase", "ns/load", 100, 110, 160,
	      "{\"footprint\":4294967296,\"layout\":\"page\"}");
	three(res, "ptrchase", "ns/load", 5, 5, 5, "{\"footprint\":16777216,\"layout\":\"page\"}");
	churn = row("mmapchurn", "shadow", "4k:4k", "us/iteration", 100, NULL);
	vb_row_set_extra(churn, "us_per_page", 5.0);
	json_array_append_new(res, churn);
	return res;
}

/* A workload row with counters, and latency so the report knows it. */
static json_t *workload(const char *bench, const char *mode, const char *pages, double median,
			double ops, double switches, double faults, double forks, double misses)
{
	json_t *r = row(bench, mode, pages, "jobs/s", median, json_pack("{s:i}", "jobs", 64));

	vb_row_set_counters(r, vb_row_counters_json((uint64_t)ops));
	vb_row_set_software(r, "context_switches", switches);
	vb_row_set_software(r, "page_faults", faults);
	/* As counters.c writes it (counters.pmu[side][metric]) and results.c
	 * derives `walk` from it: the walks are the completed-walk counts. */
	if (misses >= 0) {
		vb_row_set_pmu(r, "all", "load_walks_4k", misses);
		vb_row_set_walk(r, vb_walk_row(vb_row_counters(r)));
	}
	if (forks > 0)
		vb_row_set_extra(r, "processes_per_op", forks);
	vb_row_set_latency(r, 10, 1.0, 2.0, 3.0);
	return r;
}

Test(costmodel, reads_back_the_unit_costs)
{
	json_t *res = micro_rows();
	struct vb_cost_units u;

	cr_assert_eq(vb_costmodel_units(res, "shadow", "4k:4k", &u), 4);
	cr_assert_float_eq(u.ns[VB_COST_SWITCH], 10000, 1e-6);
	cr_assert_float_eq(u.ns[VB_COST_FAULT], 3000, 1e-6);
	cr_assert_float_eq(u.ns[VB_COST_FORK], 400000, 1e-6, "the smallest footprint's fork");
	cr_assert_float_eq(u.ns[VB_COST_WALK], 110, 1e-6, "the largest footprint's load");
	cr_assert_float_eq(u.cr3, 8500, 1e-6);
	cr_assert_float_eq(u.ptwrite, 2000, 1e-6);
	/* A native row matches the guest size of the mix. */
	cr_assert_eq(vb_costmodel_units(res, "native", "4k:2m", &u), 4);
	cr_assert_float_eq(u.ns[VB_COST_FAULT], 500, 1e-6);
	cr_assert_eq(vb_costmodel_units(res, "ept", "2m:2m", &u), 0, "no rows at 2m:2m");
	cr_assert(isnan(u.ns[VB_COST_SWITCH]));
	json_decref(res);
}

Test(costmodel, predicts_from_the_native_anchor)
{
	json_t *res = micro_rows(), *sh;
	struct vb_cost_prediction p;

	/* 10 switches, 1000 faults and one process per job; 10 ms a job natively. */
	json_array_append_new(res,
			      workload("build", "native", "4k", 100, 100, 1000, 100000, 1, -1));
	json_array_append_new(res, workload("build", "ept", "4k:4k", 90, 100, 1000, 100000, 1, -1));
	sh = workload("build", "shadow", "4k:4k", 50, 100, 1000, 100000, 1, -1);
	json_array_append_new(res, sh);
	cr_assert_eq(vb_costmodel_predict(res, sh, &p), 0);
	cr_assert_str_eq(p.anchor, "native");
	cr_assert_str_eq(p.slat, "ept");
	cr_assert_float_eq(p.per_op[VB_COST_SWITCH], 10, 1e-9);
	cr_assert_float_eq(p.per_op[VB_COST_FAULT], 1000, 1e-9);
	cr_assert_float_eq(p.per_op[VB_COST_FORK], 1, 1e-9);
	/* shadow: 1e7 + 10 x 8000 + 1000 x 2500 + 350000 = 12.93e6 ns;
	 * ept:    1e7 + 10 x 1000 + 1000 x 300 + 30000   = 10.34e6 ns;
	 * a rate: shadow/ept = 10.34 / 12.93. */
	cr_assert_float_eq(p.predicted, 10.34 / 12.93, 1e-9, "predicted %g", p.predicted);
	cr_assert_float_eq(p.measured, 50.0 / 90.0, 1e-9);
	cr_assert_float_eq(p.share, (12.93 - 10.34) / 10.34, 1e-9);
	cr_assert_str_eq(p.missing, "walk", "no PMU: walks are not modelled");
	json_decref(res);
}

Test(costmodel, falls_back_to_the_slat_anchor_and_counts_walks_with_a_pmu)
{
	json_t *res = micro_rows(), *sh;
	struct vb_cost_prediction p;
	double t_sl = 1e9 / 1e6, t_sh = t_sl + 5 * (110 - 160);

	/* No native row: the ept row's time, plus 5 misses per request at
	 * 110 - 160 ns each: shadow is ahead on a TLB-heavy workload. */
	json_array_append_new(res, workload("kvstore", "ept", "4k:4k", 1e6, 1e6, 0, 0, 0, 5e6));
	sh = workload("kvstore", "shadow", "4k:4k", 1.2e6, 1e6, 0, 0, 0, 5e6);
	json_array_append_new(res, sh);
	cr_assert_eq(vb_costmodel_predict(res, sh, &p), 0);
	cr_assert_str_eq(p.anchor, "ept");
	cr_assert_float_eq(p.per_op[VB_COST_WALK], 5, 1e-9);
	cr_assert_float_eq(p.predicted, t_sl / t_sh, 1e-9, "predicted %g", p.predicted);
	cr_assert_gt(p.predicted, 1);
	cr_assert_str_eq(p.missing, "");
	json_decref(res);
}

Test(costmodel, no_slat_mode_no_prediction)
{
	json_t *res = json_array(),
	       *sh = workload("build", "shadow", "4k:4k", 50, 100, 10, 10, 1, -1);
	struct vb_cost_prediction p;

	json_array_append_new(res, sh);
	cr_assert_eq(vb_costmodel_predict(res, sh, &p), -1);
	json_decref(res);
}

Test(costmodel, report_section_and_the_low_activity_claim)
{
	json_t *res = micro_rows();
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	json_array_append_new(res,
			      workload("build", "native", "4k", 100, 100, 1000, 100000, 1, -1));
	json_array_append_new(res, workload("build", "ept", "4k:4k", 90, 100, 1000, 100000, 1, -1));
	json_array_append_new(res,
			      workload("build", "shadow", "4k:4k", 50, 100, 1000, 100000, 1, -1));
	/* Little page-table activity (one fault in 1000 ops), measured 2% apart. */
	json_array_append_new(res, workload("oltp", "ept", "4k:4k", 1000, 1000, 0, 1, 0, -1));
	json_array_append_new(res, workload("oltp", "shadow", "4k:4k", 980, 1000, 0, 1, 0, -1));
	vb_costmodel_print_md(f, res);
	fclose(f);
	cr_assert(strstr(text, "## Which mode wins, and why"), "%s", text);
	cr_assert(strstr(text,
			 "| 4k:4k | shadow | 10000.0 | 8500.0 | 3000.0 | 2000.0 | 400k | 110.0 |"),
		  "%s", text);
	cr_assert(strstr(text, "| build | jobs=64 | 4k:4k |"), "%s", text);
	cr_assert(strstr(text, " native | walk |"), "%s", text);
	cr_assert(strstr(text, "): holds (1 such rows"), "%s", text);
	/* 50 ns more per walk under ept, 7000 ns less per switch: 7143 switches/s per 1M
	 * misses/s. */
	cr_assert(strstr(text, "| 4k:4k | 7143 |") || strstr(text, "| 4k:4k | 7142.9 |"), "%s",
		  text);
	free(text);
	json_decref(res);
}

Test(costmodel, no_shadow_and_slat_rows_no_section)
{
	json_t *res = json_array();
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	json_array_append_new(res, row("pagefault", "native", "4k", "ns/fault", 500, NULL));
	vb_costmodel_print_md(f, res);
	fclose(f);
	cr_assert_eq(len, 0, "%s", text);
	free(text);
	json_decref(res);
}

Test(costmodel, crossover_figure_files)
{
	json_t *res = micro_rows();
	char dir[] = "/tmp/vbench-costmodel-XXXXXX", path[256], line[256], err[256];
	bool found = false;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(vb_costmodel_plot_write(res, dir, err, sizeof(err)), 1, "%s", err);
	snprintf(path, sizeof(path), "%s/costmodel.dat", dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		found |= !strncmp(line, "1e+06 7142.8", 12);
	fclose(f);
	cr_assert(found, "no point at 1M misses/s on the 4k:4k line");
	unlink(path);
	snprintf(path, sizeof(path), "%s/" VB_COSTMODEL_SCRIPT, dir);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	found = false;
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, "'costmodel.dat' index 'curve 0:' with linespoints "
				      "title 'pages 4k:4k'") != NULL;
	fclose(f);
	cr_assert(found);
	unlink(path);
	rmdir(dir);
	json_decref(res);
}

/* A remote guest's rows name the guest page size only ("4k"): the model
 * takes them at that mix rather than leaving them out. */
Test(costmodel, remote_rows_at_their_guest_page_size)
{
	json_t *res = json_array(), *sh;
	struct vb_cost_prediction p;
	const char *modes[] = { "native", "shadow", "ept" };

	for (int m = 0; m < 3; m++) {
		json_t *fp = json_pack("{s:I,s:s}", "footprint", (json_int_t)1 << 30,
				       "layout", "page");

		json_array_append_new(res, row("ptrchase", modes[m], "4k", "ns/load", 100 + 10 * m,
					       fp));
		json_array_append_new(res, workload("kvstore", modes[m], "4k", 100, 100, 0, 0, 0,
						    500));
	}
	sh = json_array_get(res, 3);
	cr_assert_eq(vb_costmodel_predict(res, sh, &p), 0);
	cr_assert_float_eq(p.per_op[VB_COST_WALK], 5, 1e-9, "500 walks over 100 requests");
	json_decref(res);
}

/* The figure files are written as the others are (lib/atomicfile.h): a link
 * left where one goes is refused, and nothing is written through it. */
Test(costmodel, crossover_figure_follows_no_link)
{
	json_t *res = micro_rows();
	char dir[] = "/tmp/vbench-costmodel-XXXXXX", link[256], target[256], err[256] = "";

	cr_assert_not_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/costmodel.dat", dir);
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	cr_assert_eq(symlink(target, link), 0);
	cr_assert_eq(vb_costmodel_plot_write(res, dir, err, sizeof(err)), -1);
	cr_assert(strstr(err, "costmodel.dat"), "%s", err);
	cr_assert_neq(access(target, F_OK), 0, "written through the link");
	unlink(link);
	rmdir(dir);
	json_decref(res);
}
