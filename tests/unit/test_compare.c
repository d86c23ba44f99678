/* test_compare.c: the regression verdicts of vbench compare on synthetic run pairs. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "analysis/compare.h"
#include "analysis/runfile.h"
#include "harness/cmds.h"
#include "lib/error.h"
#include "tests/unit/fixture_run.h"

static const struct vb_compare_opts opts = { VB_COMPARE_THRESHOLD, VB_COMPARE_ALPHA };

/* Compare a one-row baseline with a one-row new run; returns the verdict. */
static const char *verdict_of(json_t *a, json_t *b, json_t **report_out)
{
	json_t *ra = fx_run("A", json_pack("[o]", a)), *rb = fx_run("B", json_pack("[o]", b));
	json_t *report = vb_compare_runs(ra, rb, &opts);
	static char v[64];

	cr_assert_eq(json_array_size(json_object_get(report, "rows")), 1);
	snprintf(v, sizeof(v), "%s", json_string_value(json_object_get(json_array_get(
		 json_object_get(report, "rows"), 0), "verdict")));
	json_decref(ra);
	json_decref(rb);
	if (report_out)
		*report_out = report;
	else
		json_decref(report);
	return v;
}

static int run_cmd(json_t *a, json_t *b, const char *extra)
{
	char *da = fx_tmpdir(), *db = fx_tmpdir();
	char *argv[] = { "compare", (char *)extra, da, db, NULL };
	int rc;

	fx_save(fx_run("A", json_pack("[o]", a)), da);
	fx_save(fx_run("B", json_pack("[o]", b)), db);
	rc = extra ? cmd_compare(4, argv) : (argv[1] = da, argv[2] = db, argv[3] = NULL, cmd_compare(3, argv));
	free(da);
	free(db);
	return rc;
}

Test(compare, unchanged_is_none, .init = cr_redirect_stdout)
{
	cr_assert_str_eq(verdict_of(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
				    fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11), NULL), "none");
	cr_assert_eq(run_cmd(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
			     fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11), NULL), 0);
}

Test(compare, slower_tight_is_regression, .init = cr_redirect_stdout)
{
	json_t *report;

	cr_assert_str_eq(verdict_of(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
				    fx_row("ptrchase", "native", "4k", "ns/load", 336, 0.01, 11), &report),
			 "regression");
	cr_assert_eq(vb_compare_regressions(report), 1);
	json_decref(report);
	cr_assert_eq(run_cmd(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
			     fx_row("ptrchase", "native", "4k", "ns/load", 336, 0.01, 11), NULL), 1);
}

Test(compare, faster_is_improvement, .init = cr_redirect_stdout)
{
	cr_assert_str_eq(verdict_of(fx_row("forkwait", "native", "4k", "us/fork", 100, 0.01, 11),
				    fx_row("forkwait", "native", "4k", "us/fork", 80, 0.01, 11), NULL),
			 "improvement");
	cr_assert_eq(run_cmd(fx_row("forkwait", "native", "4k", "us/fork", 100, 0.01, 11),
			     fx_row("forkwait", "native", "4k", "us/fork", 80, 0.01, 11), NULL), 0);
}

Test(compare, noisy_overlap_is_not_significant)
{
	cr_assert_str_eq(verdict_of(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.6, 11),
				    fx_row("ptrchase", "native", "4k", "ns/load", 336, 0.6, 11), NULL),
			 "not-significant");
}

Test(compare, throughput_direction)
{
	cr_assert_str_eq(verdict_of(fx_row("gups", "native", "4k", "updates/s", 2e8, 0.01, 11),
				    fx_row("gups", "native", "4k", "updates/s", 1.6e8, 0.01, 11), NULL),
			 "regression");
	cr_assert_str_eq(verdict_of(fx_row("gups", "native", "4k", "updates/s", 2e8, 0.01, 11),
				    fx_row("gups", "native", "4k", "updates/s", 2.4e8, 0.01, 11), NULL),
			 "improvement");
}

Test(compare, within_threshold_is_none_even_if_significant, .init = cr_redirect_stdout)
{
	/* 3% slower with tight samples: significant, but below the 5% default. */
	cr_assert_str_eq(verdict_of(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.001, 11),
				    fx_row("ptrchase", "native", "4k", "ns/load", 288.4, 0.001, 11), NULL), "none");
	/* 20% slower but a 25% threshold. */
	cr_assert_eq(run_cmd(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
			     fx_row("ptrchase", "native", "4k", "ns/load", 336, 0.01, 11), "--threshold=25%"), 0);
}

Test(compare, skipped_side_is_unavailable)
{
	cr_assert_str_eq(verdict_of(fx_skipped("ptrchase", "ept", "4k:4k", "no ept"),
				    fx_row("ptrchase", "ept", "4k:4k", "ns/load", 336, 0.01, 11), NULL),
			 "unavailable");
}

Test(compare, unmatched_rows_are_listed)
{
	json_t *ra = fx_run("A", json_pack("[o,o]", fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 5),
					   fx_row("ptrchase", "native", "2m", "ns/load", 150, 0.01, 5)));
	json_t *rb = fx_run("B", json_pack("[o,o]", fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 5),
					   fx_row("ptrchase", "ept", "4k:4k", "ns/load", 300, 0.01, 5)));
	json_t *report = vb_compare_runs(ra, rb, &opts);

	cr_assert_eq(json_array_size(json_object_get(report, "rows")), 1);
	cr_assert_eq(json_array_size(json_object_get(report, "only_baseline")), 1);
	cr_assert_eq(json_array_size(json_object_get(report, "only_new")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(report, "only_new"), 0), "mode")), "ept");
	json_decref(report);
	json_decref(ra);
	json_decref(rb);
}

Test(compare, mann_whitney_exact_and_ties)
{
	double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 }, c[] = { 1, 1, 1, 1, 1 };

	/* Complete separation of 5 vs 5: two-sided exact p = 2 / C(10,5). */
	cr_assert_float_eq(vb_mann_whitney_p(a, 5, b, 5), 2.0 / 252, 1e-12);
	cr_assert_float_eq(vb_mann_whitney_p(a, 5, a, 5), 1.0, 1e-12);
	/* All tied: no evidence at all. */
	cr_assert_float_eq(vb_mann_whitney_p(c, 5, c, 5), 1.0, 1e-12);
	cr_assert_float_eq(vb_mann_whitney_p(a, 0, b, 5), 1.0, 1e-12);
	/* Three samples a side can never reach p < 0.01. */
	cr_assert_gt(vb_mann_whitney_p(a, 3, b, 3), 0.01);
}

Test(compare, json_output, .init = cr_redirect_stdout)
{
	json_t *out;
	FILE *f;

	cr_assert_eq(run_cmd(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
			     fx_row("ptrchase", "native", "4k", "ns/load", 336, 0.01, 11), "--json"), 1);
	fflush(stdout);
	f = cr_get_redirected_stdout();
	out = json_loadf(f, 0, NULL);
	cr_assert_not_null(out);
	cr_assert_str_eq(json_string_value(json_object_get(out, "schema")), "vbench.compare/1");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(out, "counts"), "regression")), 1);
	json_decref(out);
}

Test(compare, bad_input_exits_2, .init = cr_redirect_stderr)
{
	char *d = fx_tmpdir(), bad[512];
	char *argv[] = { "compare", d, "/nonexistent/run", NULL };
	FILE *f;

	cr_assert_eq(cmd_compare(3, argv), VB_EXIT_USAGE);
	snprintf(bad, sizeof(bad), "%s/run.json", d);
	f = fopen(bad, "w");
	fputs("{\"schema\": \"vbench.run/0\", \"results\": []}\n", f);
	fclose(f);
	argv[2] = bad;
	cr_assert_eq(cmd_compare(3, argv), VB_EXIT_USAGE);
	argv[1] = "--threshold=5";
	argv[2] = NULL;
	cr_assert_eq(cmd_compare(2, argv), VB_EXIT_USAGE);
	free(d);
}
