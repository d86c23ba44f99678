/* test_claims.c: the papers' claims: holds, does not hold, not measured and why. */
#include <criterion/criterion.h>

#include "analysis/claims.h"
#include "analysis/ratio.h"
#include "lib/row.h"
#include "tests/unit/fixture_run.h"

static json_t *claim(json_t *claims, int id)
{
	return json_array_get(claims, (size_t)id - 1);
}

static const char *verdict(json_t *claims, int id)
{
	return json_string_value(json_object_get(claim(claims, id), "verdict"));
}

static json_t *check(json_t *rows)
{
	json_t *view = vb_ratio_view(rows), *claims = vb_claims_check(rows, view);

	json_decref(view);
	json_decref(rows);
	return claims;
}

Test(claims, hold_fail_and_unmeasured)
{
	json_t *rows = json_array(), *claims;

	/* forkwait 5x dearer under shadow; ptrchase 1.5x dearer under SLAT. */
	json_array_append_new(rows, fx_row("forkwait", "shadow", "4k:4k", "us/fork", 300, 0.01, 7));
	json_array_append_new(rows, fx_row("forkwait", "ept", "4k:4k", "us/fork", 60, 0.01, 7));
	json_array_append_new(rows, fx_row("ptrchase", "shadow", "4k:4k", "ns/load", 100, 0.01, 7));
	json_array_append_new(rows, fx_row("ptrchase", "ept", "4k:4k", "ns/load", 150, 0.01, 7));
	/* ctxswitch: no difference for processes: does not hold. */
	json_array_append_new(rows,
			      fx_row("ctxswitch", "shadow", "4k:4k", "us/switch", 10, 0.2, 7));
	json_array_append_new(rows, fx_row("ctxswitch", "ept", "4k:4k", "us/switch", 10, 0.2, 7));
	vb_row_set_param(json_array_get(rows, 4), "kind", json_string("process"));
	vb_row_set_param(json_array_get(rows, 5), "kind", json_string("process"));
	claims = check(rows);
	cr_assert_eq(json_array_size(claims), 9);
	cr_assert_str_eq(verdict(claims, 2), "holds");
	cr_assert_float_eq(json_number_value(json_object_get(claim(claims, 2), "ratio")), 5, 1e-9);
	cr_assert_str_eq(verdict(claims, 4), "holds");
	cr_assert_str_eq(verdict(claims, 1), "not measured");
	cr_assert(strstr(json_string_value(json_object_get(claim(claims, 1), "why")),
			 "build is not in this run"));
	cr_assert_str_eq(verdict(claims, 3), "not measured", "no thread row: %s",
			 json_string_value(json_object_get(claim(claims, 3), "why")));
	json_decref(claims);
}

Test(claims, a_ci_across_one_does_not_hold)
{
	json_t *rows = json_array(), *claims;

	/* 3% apart with 20% spread: the CI of the ratio reaches across 1. */
	json_array_append_new(rows, fx_row("forkwait", "shadow", "4k:4k", "us/fork", 103, 0.2, 7));
	json_array_append_new(rows, fx_row("forkwait", "npt", "4k:4k", "us/fork", 100, 0.2, 7));
	claims = check(rows);
	cr_assert_str_eq(verdict(claims, 2), "does not hold");
	cr_assert(strstr(json_string_value(json_object_get(claim(claims, 2), "why")),
			 "no difference shown"));
	json_decref(claims);
}

Test(claims, no_slat_says_how_to_get_it)
{
	json_t *rows = json_array(), *claims;

	json_array_append_new(rows, fx_row("ptrchase", "shadow", "4k:4k", "ns/load", 100, 0.01, 7));
	json_array_append_new(rows, fx_row("ptrchase", "shadow", "2m:2m", "ns/load", 60, 0.01, 7));
	json_array_append_new(rows, fx_skipped("ptrchase", "ept", "4k:4k", "this host has no EPT"));
	claims = check(rows);
	cr_assert_str_eq(verdict(claims, 4), "not measured");
	cr_assert(strstr(json_string_value(json_object_get(claim(claims, 4), "why")),
			 "this host has no EPT"));
	cr_assert_str_eq(verdict(claims, 5), "not measured");
	cr_assert(strstr(json_string_value(json_object_get(claim(claims, 5), "why")), "lab-run"),
		  "%s", json_string_value(json_object_get(claim(claims, 5), "why")));
	json_decref(claims);
}

/* The lab's case (issue 15, finding 3): the same rows, timed under TCG, make
 * no claim hold; their ratios say they are emulated; claim 3 names the pair
 * that is missing (kind=thread), not a shadow/SLAT pair in general. */
Test(claims, emulated_timings_are_mechanism_only)
{
	json_t *rows = json_array(), *view, *claims, *row;
	size_t i;

	json_array_append_new(rows, fx_row("forkwait", "shadow", "4k:4k", "us/fork", 300, 0.01, 7));
	json_array_append_new(rows, fx_row("forkwait", "ept", "4k:4k", "us/fork", 60, 0.01, 7));
	json_array_append_new(rows, fx_row("ptrchase", "shadow", "4k:4k", "ns/load", 100, 0.01, 7));
	json_array_append_new(rows, fx_row("ptrchase", "ept", "4k:4k", "ns/load", 150, 0.01, 7));
	json_array_append_new(rows,
			      fx_row("ctxswitch", "shadow", "4k:4k", "us/switch", 30, 0.01, 7));
	json_array_append_new(rows, fx_row("ctxswitch", "ept", "4k:4k", "us/switch", 10, 0.01, 7));
	for (i = 4; i < 6; i++)
		vb_row_set_param(json_array_get(rows, i), "kind", json_string("process"));
	/* As results.c marks every row of a run on a QEMU TCG host. */
	json_array_foreach(rows, i, row)
		vb_row_finish_timing(row, true);
	view = vb_ratio_view(rows);
	json_array_foreach(view, i, row)
		if (json_object_get(row, "ratio"))
			cr_assert(json_is_true(json_object_get(row, "emulated")),
				  "a ratio not marked");
	claims = vb_claims_check(rows, view);
	cr_assert_str_eq(verdict(claims, 2), VB_CLAIM_EMULATED);
	cr_assert_str_eq(verdict(claims, 4), VB_CLAIM_EMULATED);
	cr_assert(strstr(json_string_value(json_object_get(claim(claims, 2), "why")),
			 "timings emulated"));
	cr_assert_str_eq(verdict(claims, 3), "not measured");
	cr_assert(strstr(json_string_value(json_object_get(claim(claims, 3), "why")),
			 "kind=thread has no ok shadow and SLAT pair"), "%s",
		  json_string_value(json_object_get(claim(claims, 3), "why")));
	json_decref(claims);
	json_decref(view);
	json_decref(rows);
}
