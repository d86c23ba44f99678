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
	rc = extra ? cmd_compare(4, argv)
		   : (argv[1] = da, argv[2] = db, argv[3] = NULL, cmd_compare(3, argv));
	free(da);
	free(db);
	return rc;
}

Test(compare, unchanged_is_none, .init = cr_redirect_stdout)
{
	cr_assert_str_eq(verdict_of(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
				    fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
				    NULL),
			 "none");
	cr_assert_eq(run_cmd(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
			     fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11), NULL),
		     0);
}

Test(compare, slower_tight_is_regression, .init = cr_redirect_stdout)
{
	json_t *report;

	cr_assert_str_eq(verdict_of(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
				    fx_row("ptrchase", "native", "4k", "ns/load", 336, 0.01, 11),
				    &report),
			 "regression");
	cr_assert_eq(vb_compare_regressions(report), 1);
	json_decref(report);
	cr_assert_eq(run_cmd(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
			     fx_row("ptrchase", "native", "4k", "ns/load", 336, 0.01, 11), NULL),
		     1);
}

Test(compare, faster_is_improvement, .init = cr_redirect_stdout)
{
	cr_assert_str_eq(verdict_of(fx_row("forkwait", "native", "4k", "us/fork", 100, 0.01, 11),
				    fx_row("forkwait", "native", "4k", "us/fork", 80, 0.01, 11),
				    NULL),
			 "improvement");
	cr_assert_eq(run_cmd(fx_row("forkwait", "native", "4k", "us/fork", 100, 0.01, 11),
			     fx_row("forkwait", "native", "4k", "us/fork", 80, 0.01, 11), NULL), 0);
}

Test(compare, noisy_overlap_is_not_significant)
{
	cr_assert_str_eq(verdict_of(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.6, 11),
				    fx_row("ptrchase", "native", "4k", "ns/load", 336, 0.6, 11),
				    NULL),
			 "not-significant");
}

Test(compare, throughput_direction)
{
	cr_assert_str_eq(verdict_of(fx_row("gups", "native", "4k", "updates/s", 2e8, 0.01, 11),
				    fx_row("gups", "native", "4k", "updates/s", 1.6e8, 0.01, 11),
				    NULL),
			 "regression");
	cr_assert_str_eq(verdict_of(fx_row("gups", "native", "4k", "updates/s", 2e8, 0.01, 11),
				    fx_row("gups", "native", "4k", "updates/s", 2.4e8, 0.01, 11),
				    NULL),
			 "improvement");
}

Test(compare, within_threshold_is_none_even_if_significant, .init = cr_redirect_stdout)
{
	/* 3% slower with tight samples: significant, but below the 5% default. */
	cr_assert_str_eq(verdict_of(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.001, 11),
				    fx_row("ptrchase", "native", "4k", "ns/load", 288.4, 0.001, 11),
				    NULL),
			 "none");
	/* 20% slower but a 25% threshold. */
	cr_assert_eq(run_cmd(fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
			     fx_row("ptrchase", "native", "4k", "ns/load", 336, 0.01, 11),
			     "--threshold=25%"),
		     0);
}

Test(compare, skipped_side_is_unavailable)
{
	cr_assert_str_eq(verdict_of(fx_skipped("ptrchase", "ept", "4k:4k", "no ept"),
				    fx_row("ptrchase", "ept", "4k:4k", "ns/load", 336, 0.01, 11),
				    NULL),
			 "unavailable");
}

Test(compare, unmatched_rows_are_listed)
{
	json_t *ra = fx_run(
		"A", json_pack("[o,o]", fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 5),
			       fx_row("ptrchase", "native", "2m", "ns/load", 150, 0.01, 5)));
	json_t *rb = fx_run(
		"B", json_pack("[o,o]", fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 5),
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
			     fx_row("ptrchase", "native", "4k", "ns/load", 336, 0.01, 11),
			     "--json"),
		     1);
	fflush(stdout);
	f = cr_get_redirected_stdout();
	out = json_loadf(f, 0, NULL);
	cr_assert_not_null(out);
	cr_assert_str_eq(json_string_value(json_object_get(out, "schema")), "vbench.compare/1");
	cr_assert_eq(
		json_integer_value(json_object_get(json_object_get(out, "counts"), "regression")),
		1);
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

/* The command prints a table and one error line: neither is for the test log. */
static void quiet(void)
{
	cr_redirect_stdout();
	cr_redirect_stderr();
}

/* Run the command on two saved runs; returns its exit code. */
static int cmd_on(json_t *ra, json_t *rb, const char *opt)
{
	char *da = fx_tmpdir(), *db = fx_tmpdir();
	char *argv[] = { "compare", (char *)opt, da, db, NULL };
	int rc;

	fx_save(ra, da);
	fx_save(rb, db);
	rc = opt ? cmd_compare(4, argv) : cmd_compare(3, (char *[]){ "compare", da, db, NULL });
	free(da);
	free(db);
	return rc;
}

Test(compare_closed, empty_new_run_fails, .init = quiet)
{
	json_t *ra = fx_run("A", json_pack("[o]", fx_row("ptrchase", "native", "4k", "ns/load", 280,
							 0.01, 11)));
	json_t *rb = fx_run("B", json_array());
	json_t *report = vb_compare_runs(ra, rb, &opts);

	cr_assert_eq(vb_compare_regressions(report), 0);
	cr_assert_eq(vb_compare_lost(report), 1);
	cr_assert_eq(vb_compare_comparable(report), 0);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(report, "lost"), 0), "new_status")), "missing");
	json_decref(report);
	cr_assert_eq(cmd_on(ra, rb, NULL), VB_EXIT_FAIL);
}

Test(compare_closed, failed_and_skipped_rows_are_lost, .init = quiet)
{
	json_t *failed = fx_row("ptrchase", "native", "2m", "ns/load", 150, 0.01, 11);
	json_t *ra, *rb, *report;

	vb_row_set_status(failed, "failed", "bench crashed");
	ra = fx_run("A", json_pack("[o,o,o]",
				   fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
				   fx_row("ptrchase", "native", "2m", "ns/load", 150, 0.01, 11),
				   fx_row("ptrchase", "native", "1g", "ns/load", 120, 0.01, 11)));
	rb = fx_run("B", json_pack("[o,o,o]",
				   fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
				   failed, fx_skipped("ptrchase", "native", "1g", "no 1G pages")));
	report = vb_compare_runs(ra, rb, &opts);
	cr_assert_eq(vb_compare_lost(report), 2);
	cr_assert_eq(vb_compare_comparable(report), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
		json_object_get(report, "lost"), 0), "reason")), "bench crashed");
	json_decref(report);
	cr_assert_eq(cmd_on(ra, rb, NULL), VB_EXIT_FAIL);
}

Test(compare_closed, a_row_skipped_on_both_sides_is_not_lost, .init = quiet)
{
	json_t *ra =
		fx_run("A", json_pack("[o,o]",
				      fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
				      fx_skipped("ptrchase", "ept", "4k:4k", "no ept")));
	json_t *rb =
		fx_run("B", json_pack("[o,o]",
				      fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 11),
				      fx_skipped("ptrchase", "ept", "4k:4k", "no ept")));

	cr_assert_eq(cmd_on(ra, rb, NULL), VB_EXIT_OK);
}

Test(compare_closed, only_skipped_rows_is_no_comparison, .init = quiet)
{
	json_t *ra =
		fx_run("A", json_pack("[o]", fx_skipped("ptrchase", "ept", "4k:4k", "no ept")));
	json_t *rb =
		fx_run("B", json_pack("[o]", fx_skipped("ptrchase", "ept", "4k:4k", "no ept")));

	cr_assert_eq(cmd_on(ra, rb, NULL), VB_EXIT_FAIL);
}

Test(compare_closed, non_finite_thresholds_are_refused, .init = cr_redirect_stderr)
{
	static const char *const bad[] = { "--threshold=inf%", "--threshold=nan%",
					   "--threshold=inf", "--threshold=-1%",
					   "--threshold=1e999%" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { "compare", (char *)bad[i], "a", "b", NULL };

		cr_assert_eq(cmd_compare(4, argv), VB_EXIT_USAGE, "%s", bad[i]);
	}
}

/* Invocations: three per side, each with its own offset. */
static json_t *with_invocations(json_t *row, double base, const double *off, size_t k)
{
	double x[3 * 7];
	size_t len[3], n = 0;

	for (size_t i = 0; i < k && i < 3; i++) {
		for (int j = 0; j < 7; j++)
			x[n++] = base + off[i] + 0.1 * (j - 3);
		len[i] = 7;
	}
	cr_assert_eq(vb_row_set_invocations(row, x, len, k < 3 ? k : 3, 1), 0);
	return row;
}

Test(compare_change, ci_of_the_change)
{
	json_t *report, *r, *ci;

	verdict_of(fx_row("ptrchase", "native", "4k", "ns/load", 100, 0.01, 11),
		   fx_row("ptrchase", "native", "4k", "ns/load", 110, 0.01, 11), &report);
	r = json_array_get(json_object_get(report, "rows"), 0);
	ci = json_object_get(r, "change_ci95");
	cr_assert(json_is_array(ci));
	/* Samples spread +-1% around each median: the ratio stays within ~1.08..1.12. */
	cr_assert(json_number_value(json_array_get(ci, 0)) > 0.08 &&
		  json_number_value(json_array_get(ci, 0)) <= 0.10);
	cr_assert(json_number_value(json_array_get(ci, 1)) >= 0.10 &&
		  json_number_value(json_array_get(ci, 1)) < 0.12);
	cr_assert_str_eq(json_string_value(json_object_get(r, "test")), "mann-whitney");
	json_decref(report);
}

Test(compare_change, invocations_are_the_unit)
{
	/* Samples differ by 6% with tight within-invocation noise: Mann-Whitney on
	 * the 21 samples a side would call it certain; invocations that drift by
	 * +-5% make it noise. */
	const double drift[] = { -5, 0, 5 }, still[] = { -0.1, 0, 0.1 };
	json_t *report, *r;

	cr_assert_str_eq(
		verdict_of(
			with_invocations(fx_row("ptrchase", "native", "4k", "ns/load", 100, 0, 1),
					 100, drift, 3),
			with_invocations(fx_row("ptrchase", "native", "4k", "ns/load", 106, 0, 1),
					 106, drift, 3),
			&report),
		"not-significant");
	r = json_array_get(json_object_get(report, "rows"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(r, "test")), "welch-invocations");
	cr_assert_eq(json_integer_value(json_array_get(json_object_get(r, "invocations"), 0)), 3);
	json_decref(report);
	cr_assert_str_eq(
		verdict_of(
			with_invocations(fx_row("ptrchase", "native", "4k", "ns/load", 100, 0, 1),
					 100, still, 3),
			with_invocations(fx_row("ptrchase", "native", "4k", "ns/load", 106, 0, 1),
					 106, still, 3),
			NULL),
		"regression");
}

Test(compare_change, host_differences_warn)
{
	json_t *ra = fx_run("A", json_pack("[o]", fx_row("ptrchase", "native", "4k", "ns/load", 100,
							 0.01, 11)));
	json_t *rb = fx_run("B", json_pack("[o]", fx_row("ptrchase", "native", "4k", "ns/load", 100,
							 0.01, 11)));
	json_t *report, *w;

	json_object_set_new(json_object_get(ra, "host"), "kernel", json_string("Linux 6.1"));
	json_object_set_new(json_object_get(rb, "host"), "kernel", json_string("Linux 6.12"));
	json_object_set_new(ra, "vbench_version", json_string("0.1.0"));
	json_object_set_new(rb, "vbench_version", json_string("0.1.0"));
	report = vb_compare_runs(ra, rb, &opts);
	w = json_object_get(report, "warnings");
	cr_assert_eq(json_array_size(w), 1);
	cr_assert(strstr(json_string_value(json_array_get(w, 0)), "kernel differs"));
	cr_assert_eq(vb_compare_regressions(report), 0);
	json_decref(report);
	json_decref(ra);
	json_decref(rb);
}

Test(compare_closed, garbage_new_run_fails, .init = quiet)
{
	char *da = fx_tmpdir(), *db = fx_tmpdir(), path[512];
	char *argv[] = { "compare", da, db, NULL };
	FILE *f;

	fx_save(fx_run("A", json_pack("[o]", fx_row("ptrchase", "native", "4k", "ns/load", 280,
						    0.01, 11))),
		da);
	/* A results.jsonl of one garbage line: whether the loader refuses it or
	 * reads no row, compare must not pass. */
	snprintf(path, sizeof(path), "%.400s/results.jsonl", db);
	f = fopen(path, "w");
	fputs("this is not json\n", f);
	fclose(f);
	cr_assert_neq(cmd_compare(3, argv), VB_EXIT_OK);
	/* And a run.json that is not JSON at all. */
	snprintf(path, sizeof(path), "%.400s/run.json", db);
	f = fopen(path, "w");
	fputs("{ garbage", f);
	fclose(f);
	cr_assert_eq(cmd_compare(3, argv), VB_EXIT_USAGE);
	free(da);
	free(db);
}
