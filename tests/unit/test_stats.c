/* test_stats.c: statistics of samples and the stop rule (analysis/stats.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "analysis/stats.h"

/* A reproducible noisy series around `center`. */
static void noisy(double *x, size_t n, double center, double spread, uint64_t seed)
{
	uint64_t s = seed;

	for (size_t i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		x[i] = center + spread * ((double)(s % 2001) / 1000.0 - 1.0);
	}
}

Test(stats, known_values_odd)
{
	const double x[] = { 5, 1, 4, 2, 3 };
	struct vb_stats st;

	vb_stats_compute(x, 5, 1, &st);
	cr_assert_eq(st.n, 5);
	cr_assert_float_eq(st.median, 3.0, 1e-12);
	cr_assert_float_eq(st.mean, 3.0, 1e-12);
	/* sample stdev of 1..5 is sqrt(2.5) */
	cr_assert_float_eq(st.stdev, sqrt(2.5), 1e-12);
	cr_assert_float_eq(st.min, 1.0, 1e-12);
	cr_assert_float_eq(st.max, 5.0, 1e-12);
}

Test(stats, known_values_even)
{
	const double x[] = { 10, 2, 8, 4 };
	struct vb_stats st;

	vb_stats_compute(x, 4, 1, &st);
	cr_assert_float_eq(st.median, 6.0, 1e-12);
	cr_assert_float_eq(st.mean, 6.0, 1e-12);
	cr_assert_float_eq(vb_median(x, 4), 6.0, 1e-12);
	/* vb_median must not reorder its input */
	cr_assert(x[0] == 10 && x[1] == 2 && x[2] == 8 && x[3] == 4);
}

Test(stats, ci_contains_median_and_is_ordered)
{
	double x[40];
	struct vb_stats st;

	noisy(x, 40, 100.0, 5.0, 7);
	vb_stats_compute(x, 40, 3, &st);
	cr_assert(st.ci_low <= st.median && st.median <= st.ci_high,
		  "CI [%g, %g] misses median %g", st.ci_low, st.ci_high, st.median);
	cr_assert(st.ci_low >= st.min && st.ci_high <= st.max);
	cr_assert(st.ci_high > st.ci_low, "noisy data gives a CI of zero width");
	cr_assert_float_eq(st.ci_halfwidth_rel, (st.ci_high - st.ci_low) / 2 / st.median, 1e-12);
}

Test(stats, ci_narrows_with_n)
{
	static double x[2000];
	struct vb_stats small, big;

	noisy(x, 2000, 50.0, 10.0, 11);
	vb_stats_compute(x, 10, 5, &small);
	vb_stats_compute(x, 2000, 5, &big);
	cr_assert(big.ci_halfwidth_rel < small.ci_halfwidth_rel / 3,
		  "CI did not narrow: n=10 %g, n=2000 %g", small.ci_halfwidth_rel, big.ci_halfwidth_rel);
}

Test(stats, deterministic_for_a_seed)
{
	double x[25];
	struct vb_stats a, b, c;

	noisy(x, 25, 10.0, 3.0, 99);
	vb_stats_compute(x, 25, 42, &a);
	vb_stats_compute(x, 25, 42, &b);
	cr_assert(memcmp(&a, &b, sizeof(a)) == 0, "same seed, different result");
	/* The seed drives only the resampling, never the point statistics. */
	vb_stats_compute(x, 25, 43, &c);
	cr_assert_float_eq(c.median, a.median, 1e-12);
}

Test(stats, constant_samples_have_zero_width)
{
	const double x[] = { 7, 7, 7, 7, 7, 7 };
	struct vb_stats st;

	vb_stats_compute(x, 6, 1, &st);
	cr_assert_float_eq(st.ci_low, 7.0, 1e-12);
	cr_assert_float_eq(st.ci_high, 7.0, 1e-12);
	cr_assert_float_eq(st.ci_halfwidth_rel, 0.0, 1e-12);
	cr_assert_float_eq(st.stdev, 0.0, 1e-12);
}

Test(stats, n_zero_and_one)
{
	const double one = 4.5;
	struct vb_stats st;

	vb_stats_compute(NULL, 0, 1, &st);
	cr_assert_eq(st.n, 0);
	cr_assert(st.median == 0 && st.mean == 0 && st.stdev == 0 && st.ci_halfwidth_rel == 0);
	cr_assert(isnan(vb_median(NULL, 0)));

	vb_stats_compute(&one, 1, 1, &st);
	cr_assert_eq(st.n, 1);
	cr_assert_float_eq(st.median, 4.5, 1e-12);
	cr_assert_float_eq(st.mean, 4.5, 1e-12);
	cr_assert_float_eq(st.stdev, 0.0, 1e-12);
	cr_assert_float_eq(st.ci_low, 4.5, 1e-12);
	cr_assert_float_eq(st.ci_high, 4.5, 1e-12);
	cr_assert_float_eq(st.ci_halfwidth_rel, 0.0, 1e-12);
}

Test(stats, zero_median_with_spread_is_unbounded)
{
	const double x[] = { -1, 0, 0, 0, 1, -2, 2 };
	struct vb_stats st;

	vb_stats_compute(x, 7, 1, &st);
	cr_assert_float_eq(st.median, 0.0, 1e-12);
	cr_assert(isinf(st.ci_halfwidth_rel));
}

Test(stop_rule, min_runs_first)
{
	const struct vb_stop_rule r = { .min_runs = 5, .max_runs = 30, .target_ci = 0.01, .max_seconds = 30 };
	const double x[] = { 1, 1, 1, 1, 1 };

	/* Identical samples meet any target, but not before min_runs. */
	cr_assert(vb_stop_rule_more(&r, x, 0, 0));
	cr_assert(vb_stop_rule_more(&r, x, 4, 0));
	cr_assert_not(vb_stop_rule_more(&r, x, 5, 0));
	/* min_runs wins over time */
	cr_assert(vb_stop_rule_more(&r, x, 4, 1000));
}

Test(stop_rule, never_on_fewer_than_three)
{
	const struct vb_stop_rule r = { .min_runs = 1, .max_runs = 30, .target_ci = 0.01, .max_seconds = 30 };
	const double x[] = { 1, 1, 1 };

	cr_assert(vb_stop_rule_more(&r, x, 1, 0));
	cr_assert(vb_stop_rule_more(&r, x, 2, 0));
	cr_assert_not(vb_stop_rule_more(&r, x, 3, 0));
}

Test(stop_rule, noisy_continues_until_max_runs_or_time)
{
	const struct vb_stop_rule r = { .min_runs = 3, .max_runs = 10, .target_ci = 0.001, .max_seconds = 5 };
	double x[10];

	noisy(x, 10, 100.0, 50.0, 3);
	cr_assert(vb_stop_rule_more(&r, x, 5, 1.0));
	cr_assert_not(vb_stop_rule_more(&r, x, 5, 5.0), "time limit ignored");
	cr_assert_not(vb_stop_rule_more(&r, x, 10, 0.0), "max_runs ignored");
}

Test(stop_rule, stops_once_ci_within_target)
{
	const struct vb_stop_rule r = { .min_runs = 3, .max_runs = 1000, .target_ci = 0.01, .max_seconds = 0 };
	static double x[1000];
	size_t n = 3;

	/* +-10% noise: the CI of the median falls under 1% only after many samples. */
	noisy(x, 1000, 100.0, 10.0, 5);
	while (vb_stop_rule_more(&r, x, n, 0))
		n++;
	cr_assert(n > 20 && n < 1000, "stopped at n=%zu", n);
	struct vb_stats st;

	vb_stats_compute(x, n, 0x5eed, &st);
	cr_assert(st.ci_halfwidth_rel <= 0.01);
}

Test(stop_rule, zero_target_means_run_to_max)
{
	const struct vb_stop_rule r = { .min_runs = 3, .max_runs = 8, .target_ci = 0, .max_seconds = 0 };
	const double x[] = { 1, 1, 1, 1, 1, 1, 1, 1 };

	cr_assert(vb_stop_rule_more(&r, x, 7, 100));
	cr_assert_not(vb_stop_rule_more(&r, x, 8, 100));
}
