/* test_paired.c: the paired ratio of two alternated sides and its verdict
 * against a target (analysis/paired.c). */
#include <criterion/criterion.h>
#include <math.h>

#include "analysis/paired.h"

/* Pairs that share a large drift (the host's load) and differ by factor f. */
static void drifting(double *a, double *b, size_t n, double f, double jitter)
{
	for (size_t i = 0; i < n; i++) {
		double load = 100.0 * (1 + 0.5 * sin((double)i));	/* +-50% between pairs */
		double j = jitter * ((double)((i * 7919) % 11) - 5) / 5.0;

		a[i] = load;
		b[i] = load * f * (1 + j);
	}
}

Test(paired, sees_5_percent_through_a_drift_ten_times_larger)
{
	double a[12], b[12];
	struct vb_paired p;

	drifting(a, b, 12, 1.05, 0.01);
	cr_assert_eq(vb_paired_ratio(a, b, 12, false, 0.02, 1, &p), 0);
	cr_assert_float_eq(p.ratio, 1.05, 0.011);
	cr_assert(p.differs);
	cr_assert_eq(p.verdict, VB_PAIRED_MISSED, "%s [%g, %g]",
		     vb_paired_verdict_name(p.verdict), p.ci_low, p.ci_high);
}

Test(paired, identical_sides_are_within_and_not_flagged)
{
	double a[12], b[12];
	struct vb_paired p;

	drifting(a, b, 12, 1.0, 0.005);
	cr_assert_eq(vb_paired_ratio(a, b, 12, false, 0.02, 1, &p), 0);
	cr_assert_eq(p.verdict, VB_PAIRED_WITHIN);
	cr_assert_not(p.differs, "[%g, %g]", p.ci_low, p.ci_high);
}

Test(paired, a_ci_wider_than_the_target_cannot_tell)
{
	double a[8], b[8];
	struct vb_paired p;

	drifting(a, b, 8, 1.0, 0.2);
	cr_assert_eq(vb_paired_ratio(a, b, 8, false, 0.02, 1, &p), 0);
	cr_assert_eq(p.verdict, VB_PAIRED_CANNOT_TELL, "%s [%g, %g]",
		     vb_paired_verdict_name(p.verdict), p.ci_low, p.ci_high);
	cr_assert_str_eq(vb_paired_verdict_name(p.verdict), "cannot tell");
}

Test(paired, rates_cost_when_they_drop)
{
	double a[] = { 100, 200, 100, 200 }, b[] = { 90, 180, 90, 180 };
	struct vb_paired p;

	cr_assert_eq(vb_paired_ratio(a, b, 4, true, 0.02, 1, &p), 0);
	cr_assert_float_eq(p.ratio, 100.0 / 90, 1e-9);
}

Test(paired, refuses_too_few_or_non_positive)
{
	double a[] = { 1, 0 }, b[] = { 1, 1 };
	struct vb_paired p;

	cr_assert_eq(vb_paired_ratio(a, b, 1, false, 0.02, 1, &p), -1);
	cr_assert_eq(vb_paired_ratio(a, b, 2, false, 0.02, 1, &p), -1);
}
