/* Unit tests of merging a point's invocations into its row. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness/invocations.h"
#include "lib/stats.h"
#include "tests/unit/fixture_run.h"

/* One invocation's row as vbench wrote it (the native fixture's
 * invocations.jsonl), with 6 samples base + 0, 1, 2 and 6 operations. */
static json_t *inv_row(const char *status, double base)
{
	json_t *r = fx_producer_invocation("native", "ptrchase", "native");
	double x[6];

	cr_assert_not_null(r, "%s/native (scripts/make-fixtures.sh makes it)", FX_RUNS);
	for (int i = 0; i < 6; i++)
		x[i] = base + (i % 3);
	vb_row_set_measured(r, x, 6, 1);
	vb_row_set_counters(r, vb_row_counters_json(6));
	vb_row_set_status(r, status, NULL);
	return r;
}

Test(invocations, three_ok_invocations_make_one_row_with_both_levels)
{
	json_t *row = NULL, *st;

	for (unsigned i = 0; i < 3; i++) {
		json_t *one = inv_row("ok", 100 + 10 * i);

		row = vb_invocation_merge(row, one, i);
		json_decref(one);
	}
	vb_invocation_finish(row, 1);
	cr_assert_eq(json_array_size(json_object_get(row, "samples")), 18);
	cr_assert_eq(json_array_size(json_object_get(row, "invocations")), 3);
	cr_assert_eq(json_array_size(json_object_get(row, "invocation_counters")), 3);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(row, "counters"), "ops")),
		     18, "counts add up over the invocations");
	st = json_object_get(row, "stats");
	cr_assert_eq(json_integer_value(json_object_get(st, "invocations")), 3);
	cr_assert_eq(json_integer_value(json_object_get(st, "n")), 18);
	/* Invocation means 101, 111, 121: far more between than within. */
	cr_assert_gt(json_number_value(json_object_get(st, "var_between")),
		     10 * json_number_value(json_object_get(st, "var_within")));
	cr_assert_leq(json_number_value(json_object_get(st, "ci95_low")), 111);
	cr_assert_geq(json_number_value(json_object_get(st, "ci95_high")), 111);
	json_decref(row);
}

Test(invocations, a_failed_invocation_fails_the_row_and_says_which)
{
	json_t *a = inv_row("ok", 100), *b = inv_row("failed", 0), *row;

	vb_row_set_status(b, "failed", "guest died");
	vb_row_clear_measured(b);
	row = vb_invocation_merge(NULL, a, 0);
	row = vb_invocation_merge(row, b, 1);
	vb_invocation_finish(row, 1);
	cr_assert_str_eq(json_string_value(json_object_get(row, "status")), "failed");
	cr_assert_str_eq(json_string_value(json_object_get(row, "reason")),
			 "invocation 2: guest died");
	cr_assert_eq(json_array_size(json_object_get(row, "samples")), 6,
		     "what was measured stays");
	json_decref(a);
	json_decref(b);
	json_decref(row);
}

Test(invocations, one_invocation_is_the_plain_row)
{
	json_t *a = inv_row("ok", 100), *row = vb_invocation_merge(NULL, a, 0);

	vb_invocation_finish(row, 1);
	cr_assert_null(json_object_get(row, "invocations"));
	cr_assert_null(json_object_get(row, "invocation_counters"));
	cr_assert(json_equal(row, a), "the same row as without invocations");
	json_decref(a);
	json_decref(row);
}

Test(invocations, the_sample_budget_is_shared)
{
	struct vb_stop_rule row = { .min_runs = 5,
				    .max_runs = 30,
				    .target_ci = 0.01,
				    .max_seconds = 30 },
			    one;

	vb_invocation_stop(&row, 3, &one);
	cr_assert_eq(one.min_runs, 2);
	cr_assert_eq(one.max_runs, 10);
	cr_assert_float_eq(one.max_seconds, 10, 1e-9);
	vb_invocation_stop(&row, 1, &one);
	cr_assert_eq(one.max_runs, 30);
}
