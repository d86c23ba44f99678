/* test_ratio.c: ratios of medians and their bootstrap CI against values worked
 * out by hand, ratios refused between unlike work, and the mode-ratio view. */
#include <criterion/criterion.h>
#include <math.h>

#include "analysis/ratio.h"
#include "tests/unit/fixture_run.h"

Test(ratio, known_values)
{
	/* b is constant, so the CI is that of a's median over 2: a resample of
	 * five draws from 1..5 has median 1 with p = 0.058 > 0.025 (three or more
	 * draws of the 1), so the 2.5th percentile is 1, and by symmetry the
	 * 97.5th is 5: ratio 3/2, CI [1/2, 5/2]. */
	const double a[] = { 1, 2, 3, 4, 5 }, b[] = { 2, 2, 2, 2, 2 };
	const double c[] = { 4, 4, 4 }, d[] = { 2, 2, 2, 2 };
	struct vb_ratio r;

	cr_assert_eq(vb_ratio_of_samples(a, 5, b, 5, VB_RATIO_SEED, &r), 0);
	cr_assert_float_eq(r.ratio, 1.5, 1e-12);
	cr_assert_float_eq(r.lo, 0.5, 1e-12);
	cr_assert_float_eq(r.hi, 2.5, 1e-12);
	/* Constant samples: the CI is the ratio itself. */
	cr_assert_eq(vb_ratio_of_samples(c, 3, d, 4, 7, &r), 0);
	cr_assert_float_eq(r.ratio, 2, 1e-12);
	cr_assert_float_eq(r.lo, 2, 1e-12);
	cr_assert_float_eq(r.hi, 2, 1e-12);
	/* Scaling both sides leaves the ratio and its CI as they are. */
	{
		double a10[5], b10[5];
		struct vb_ratio s;

		for (int i = 0; i < 5; i++)
			a10[i] = a[i] * 10, b10[i] = b[i] * 10;
		vb_ratio_of_samples(a, 5, b, 5, VB_RATIO_SEED, &r);
		vb_ratio_of_samples(a10, 5, b10, 5, VB_RATIO_SEED, &s);
		cr_assert_float_eq(r.lo, s.lo, 1e-12);
		cr_assert_float_eq(r.hi, s.hi, 1e-12);
	}
	/* No ratio over a zero median or an empty side. */
	{
		const double z[] = { 0, 0, 0 };

		cr_assert_eq(vb_ratio_of_samples(a, 5, z, 3, 1, &r), -1);
		cr_assert_eq(vb_ratio_of_samples(a, 0, b, 5, 1, &r), -1);
	}
}

Test(ratio, wider_spread_wider_ci)
{
	double a[21], b[21], c[21];
	struct vb_ratio narrow, wide;

	for (int i = 0; i < 21; i++) {
		a[i] = 100 + i * 0.1;
		c[i] = 100 + i * 5;
		b[i] = 50;
	}
	vb_ratio_of_samples(a, 21, b, 21, 3, &narrow);
	vb_ratio_of_samples(c, 21, b, 21, 3, &wide);
	cr_assert(narrow.lo <= narrow.ratio && narrow.ratio <= narrow.hi);
	cr_assert(wide.lo <= wide.ratio && wide.ratio <= wide.hi);
	cr_assert_gt(wide.hi - wide.lo, 10 * (narrow.hi - narrow.lo));
}

static json_t *with_ops(json_t *row, double ops)
{
	vb_row_set_ops(row, (uint64_t)ops);
	return row;
}

Test(ratio, unlike_work_refused)
{
	json_t *m4 = fx_row("mmapchurn", "shadow", "4k:4k", "us/page", 2, 0.01, 5);
	json_t *m2 = fx_row("mmapchurn", "shadow", "2m:2m", "us/page", 40, 0.01, 5);
	json_t *m2e = fx_row("mmapchurn", "ept", "2m:2m", "us/page", 20, 0.01, 5);
	json_t *p4 = fx_row("ptrchase", "ept", "4k:4k", "ns/load", 100, 0.01, 5);
	json_t *p2 = fx_row("ptrchase", "ept", "2m:2m", "ns/load", 60, 0.01, 5);
	json_t *g4 = fx_row("ptrchase", "ept", "4k:4k", "loads/s", 100, 0.01, 5);
	char why[512];

	cr_assert(!vb_ratio_same_work(m2, m4, why, sizeof(why)));
	cr_assert(strstr(why, "us_per_page"), "%s", why);
	cr_assert(vb_ratio_same_work(m2, m2e, why, sizeof(why)), "same page size, two modes: %s",
		  why);
	cr_assert(vb_ratio_same_work(p2, p4, why, sizeof(why)), "%s", why);
	cr_assert(!vb_ratio_same_work(p4, g4, why, sizeof(why)));
	cr_assert(strstr(why, "different units"), "%s", why);
	with_ops(p4, 5000);
	with_ops(p2, 10000);
	cr_assert(!vb_ratio_same_work(p2, p4, why, sizeof(why)));
	cr_assert(strstr(why, "operations per sample"), "%s", why);
	vb_row_set_param(p2, "footprint", json_integer(1 << 30));
	cr_assert(!vb_ratio_same_work(p2, p4, why, sizeof(why)));
	json_decref(m4);
	json_decref(m2);
	json_decref(m2e);
	json_decref(p4);
	json_decref(p2);
	json_decref(g4);
}

static json_t *find_kind(json_t *view, const char *kind, const char *bench, size_t nth)
{
	json_t *e;
	size_t i;

	json_array_foreach(view, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "kind")), kind) &&
		    !strcmp(json_string_value(json_object_get(e, "bench")), bench) && nth-- == 0)
			return e;
	return NULL;
}

Test(ratio, view_pairs_and_notes)
{
	json_t *rows = json_array(), *view, *e;

	json_array_append_new(rows, fx_row("ptrchase", "native", "4k", "ns/load", 50, 0.01, 5));
	json_array_append_new(rows, fx_row("ptrchase", "shadow", "4k:4k", "ns/load", 100, 0.01, 5));
	json_array_append_new(rows, fx_row("ptrchase", "npt", "4k:4k", "ns/load", 150, 0.01, 5));
	json_array_append_new(rows, fx_row("ptrchase", "npt", "2m:2m", "ns/load", 75, 0.01, 5));
	json_array_append_new(rows, fx_row("mmapchurn", "shadow", "4k:4k", "us/page", 2, 0.01, 5));
	json_array_append_new(rows, fx_row("mmapchurn", "shadow", "2m:2m", "us/page", 40, 0.01, 5));
	json_array_append_new(rows, fx_row("forkwait", "shadow", "4k:4k", "us/fork", 90, 0.01, 5));
	json_array_append_new(rows, fx_skipped("forkwait", "ept", "4k:4k", "no ept on this host"));
	view = vb_ratio_view(rows);

	e = find_kind(view, "shadow/slat", "ptrchase", 0);
	cr_assert_not_null(e);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(e, "b"), "mode")),
			 "npt");
	cr_assert_float_eq(json_number_value(json_object_get(e, "ratio")), 100.0 / 150, 1e-9);
	cr_assert_leq(json_number_value(json_object_get(e, "ci95_low")), 100.0 / 150);
	cr_assert_geq(json_number_value(json_object_get(e, "ci95_high")), 100.0 / 150);
	/* Guest / native at the same guest page size: shadow 4k:4k and npt 4k:4k against native
	 * 4k. */
	e = find_kind(view, "guest/native", "ptrchase", 1);
	cr_assert_not_null(e);
	cr_assert_float_eq(json_number_value(json_object_get(e, "ratio")), 3, 1e-9);
	e = find_kind(view, "pages", "ptrchase", 0);
	cr_assert_not_null(e);
	cr_assert_float_eq(json_number_value(json_object_get(e, "ratio")), 0.5, 1e-9);
	/* mmapchurn's page mixes are unlike work: a note, no ratio. */
	e = find_kind(view, "pages", "mmapchurn", 0);
	cr_assert_not_null(e);
	cr_assert_null(json_object_get(e, "ratio"));
	cr_assert(strstr(json_string_value(json_object_get(e, "missing")), "left out"));
	/* A missing side says which and how to get it, with the skip reason. */
	e = find_kind(view, "shadow/slat", "forkwait", 0);
	cr_assert_not_null(e);
	cr_assert(strstr(json_string_value(json_object_get(e, "missing")), "no ept on this host"));
	cr_assert(strstr(json_string_value(json_object_get(e, "missing")), "--switch-mode"));
	json_decref(view);
	json_decref(rows);
}

Test(ratio, rates_are_inverted_only_as_costs)
{
	json_t *rows = json_array(), *view, *e;
	double c, lo, hi;

	json_array_append_new(rows, fx_row("gups", "shadow", "4k:4k", "updates/s", 50, 0.01, 5));
	json_array_append_new(rows, fx_row("gups", "ept", "4k:4k", "updates/s", 100, 0.01, 5));
	view = vb_ratio_view(rows);
	e = find_kind(view, "shadow/slat", "gups", 0);
	cr_assert_float_eq(json_number_value(json_object_get(e, "ratio")), 0.5, 1e-9);
	cr_assert(vb_ratio_cost(e, &c, &lo, &hi));
	cr_assert_float_eq(c, 2, 1e-9, "half the rate is twice the cost");
	cr_assert_leq(lo, c);
	cr_assert_geq(hi, c);
	json_decref(view);
	json_decref(rows);
}

Test(ratio, footprint_zero_has_no_page_effect)
{
	json_t *rows = json_array(), *view, *e;

	json_array_append_new(rows, fx_row("forkwait", "native", "4k", "us/fork", 80, 0.01, 5));
	json_array_append_new(rows, fx_row("forkwait", "native", "2m", "us/fork", 81, 0.01, 5));
	for (size_t i = 0; i < 2; i++)
		vb_row_set_param(json_array_get(rows, i), "footprint", json_integer(0));
	view = vb_ratio_view(rows);
	e = find_kind(view, "pages", "forkwait", 0);
	cr_assert_not_null(e);
	cr_assert_null(json_object_get(e, "ratio"));
	cr_assert(strstr(json_string_value(json_object_get(e, "missing")), "nothing to apply to"));
	cr_assert_null(find_kind(view, "pages", "forkwait", 1));
	json_decref(view);
	json_decref(rows);
}

static const char *missing_of(json_t *view, const char *kind)
{
	json_t *e;
	size_t i;

	json_array_foreach(view, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "kind")), kind) &&
		    json_object_get(e, "missing"))
			return json_string_value(json_object_get(e, "missing"));
	return NULL;
}

/* Issue 15, finding 6: native was given (its row failed) so "add native to
 * --mode" is wrong; a remote guest's mode is not ours to switch. */
Test(ratio, remedies_fit_what_was_run)
{
	json_t *rows = json_array(), *view, *r;
	const char *why;

	json_array_append_new(rows, fx_row("ptrchase", "shadow", "4k:4k", "ns/load", 100, 0.01, 5));
	r = fx_skipped("ptrchase", "native", "4k", "the bench crashed");
	vb_row_set_status(r, "failed", "the bench crashed");
	json_array_append_new(rows, r);
	view = vb_ratio_view(rows);
	why = missing_of(view, "guest/native");
	cr_assert(why && strstr(why, "the native row is not ok: the bench crashed"), "%s", why);
	cr_assert_null(strstr(why, "add native"), "%s", why);
	json_decref(view);

	json_array_remove(rows, 1);
	vb_row_set_str(json_array_get(rows, 0), "guest", "remote");
	view = vb_ratio_view(rows);
	why = missing_of(view, "shadow/slat");
	cr_assert(why && strstr(why, "a remote guest runs in its hypervisor's mode"), "%s", why);
	cr_assert_null(strstr(why, "--switch-mode"), "%s", why);
	json_decref(view);
	json_decref(rows);
}

Test(ratio, stage2_is_slat)
{
	cr_assert(vb_mode_is_slat("stage2"), "arm64's stage-2 is a SLAT mode");
	cr_assert(vb_mode_is_slat("ept"));
	cr_assert_not(vb_mode_is_slat("shadow"));
	cr_assert_not(vb_mode_is_slat("native"));
}

Test(ratio, kind_words_are_the_json_words)
{
	/* The JSON keeps its words, each kind reads back as itself, and a word
	 * no kind has is none. */
	const char *words[VB_RATIO_COUNT] = { "shadow/slat", "guest/native", "pages" };
	json_t *odd = json_pack("{s:s}", "kind", "slat/shadow"), *none = json_object();

	for (int k = 0; k < VB_RATIO_COUNT; k++) {
		json_t *e = json_pack("{s:s}", "kind", words[k]);

		cr_assert_str_eq(vb_ratio_kind_name((enum vb_ratio_kind)k), words[k]);
		cr_assert_eq(vb_ratio_kind_of(e), (enum vb_ratio_kind)k);
		json_decref(e);
	}
	cr_assert_eq(vb_ratio_kind_of(odd), VB_RATIO_COUNT);
	cr_assert_eq(vb_ratio_kind_of(none), VB_RATIO_COUNT);
	cr_assert_null(vb_ratio_kind_name(VB_RATIO_COUNT));
	json_decref(odd);
	json_decref(none);
}
