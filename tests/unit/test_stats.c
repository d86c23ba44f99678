/* test_stats.c: statistics of samples and the stop rule (lib/stats.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "lib/stats.h"

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
		  "CI did not narrow: n=10 %g, n=2000 %g", small.ci_halfwidth_rel,
		  big.ci_halfwidth_rel);
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
	const struct vb_stop_rule r = {
		.min_runs = 5, .max_runs = 30, .target_ci = 0.01, .max_seconds = 30
	};
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
	const struct vb_stop_rule r = {
		.min_runs = 1, .max_runs = 30, .target_ci = 0.01, .max_seconds = 30
	};
	const double x[] = { 1, 1, 1 };

	cr_assert(vb_stop_rule_more(&r, x, 1, 0));
	cr_assert(vb_stop_rule_more(&r, x, 2, 0));
	cr_assert_not(vb_stop_rule_more(&r, x, 3, 0));
}

Test(stop_rule, noisy_continues_until_max_runs_or_time)
{
	const struct vb_stop_rule r = {
		.min_runs = 3, .max_runs = 10, .target_ci = 0.001, .max_seconds = 5
	};
	double x[10];

	noisy(x, 10, 100.0, 50.0, 3);
	cr_assert(vb_stop_rule_more(&r, x, 5, 1.0));
	cr_assert_not(vb_stop_rule_more(&r, x, 5, 5.0), "time limit ignored");
	cr_assert_not(vb_stop_rule_more(&r, x, 10, 0.0), "max_runs ignored");
}

Test(stop_rule, stops_once_ci_within_target)
{
	const struct vb_stop_rule r = {
		.min_runs = 3, .max_runs = 1000, .target_ci = 0.01, .max_seconds = 0
	};
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
	const struct vb_stop_rule r = {
		.min_runs = 3, .max_runs = 8, .target_ci = 0, .max_seconds = 0
	};
	const double x[] = { 1, 1, 1, 1, 1, 1, 1, 1 };

	cr_assert(vb_stop_rule_more(&r, x, 7, 100));
	cr_assert_not(vb_stop_rule_more(&r, x, 8, 100));
}

/* A well-mixed xorshift state from a small seed (xorshift starts slowly from 1, 2, ...). */
static uint64_t mix_seed(uint64_t seed)
{
	uint64_t z = seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) | 1;
}

/* Standard normal draws from a seeded xorshift (Box-Muller): reproducible. */
static double gauss(uint64_t *s)
{
	double u1, u2;

	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	u1 = ((double)(*s >> 11) + 1) / 9007199254740993.0;
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	u2 = (double)(*s >> 11) / 9007199254740992.0;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* k invocations of m samples: invocation offset ~ N(0, sb^2), sample ~ N(0, sw^2). */
static void two_level(double *x, size_t *len, size_t k, size_t m, double center,
		      double sb, double sw, uint64_t seed)
{
	uint64_t s = mix_seed(seed);

	for (size_t i = 0; i < k; i++) {
		double off = sb * gauss(&s);

		len[i] = m;
		for (size_t j = 0; j < m; j++)
			x[i * m + j] = center + off + sw * gauss(&s);
	}
}

Test(stats_hier, variance_components_exact)
{
	/* Means 2 and 5; within variance 1; MSB = 13.5, n0 = 3: between (13.5 - 1) / 3. */
	const double x[] = { 1, 2, 3, 4, 5, 6 };
	const size_t len[] = { 3, 3 };
	struct vb_hier_stats h;

	cr_assert_eq(vb_stats_hier(x, len, 2, 1, &h), 0);
	cr_assert_eq(h.k, 2);
	cr_assert_eq(h.n, 6);
	cr_assert_float_eq(h.median, 3.5, 1e-12);
	cr_assert_float_eq(h.var_within, 1.0, 1e-12);
	cr_assert_float_eq(h.var_between, 12.5 / 3, 1e-12);
	cr_assert(h.ci_low <= h.median && h.median <= h.ci_high);
}

Test(stats_hier, one_invocation_is_the_plain_bootstrap)
{
	double x[41];
	size_t len[1] = { 41 };
	struct vb_hier_stats h;
	struct vb_stats st;

	noisy(x, 41, 100, 5, 7);
	vb_stats_compute(x, 41, 3, &st);
	cr_assert_eq(vb_stats_hier(x, len, 1, 3, &h), 0);
	cr_assert_float_eq(h.median, st.median, 1e-12);
	cr_assert_float_eq(h.var_between, 0, 1e-12);
	cr_assert_float_eq(h.var_within, st.stdev * st.stdev, 1e-9);
	/* Same draws in the same order: the same interval. */
	cr_assert_float_eq(h.ci_low, st.ci_low, 1e-12);
	cr_assert_float_eq(h.ci_high, st.ci_high, 1e-12);
}

Test(stats_hier, recovers_two_known_levels)
{
	enum { K = 60, M = 40 };
	static double x[K * M];
	size_t len[K];
	struct vb_hier_stats h;

	/* sigma_between 3 (var 9), sigma_within 1 (var 1). */
	two_level(x, len, K, M, 100, 3, 1, 11);
	cr_assert_eq(vb_stats_hier(x, len, K, 1, &h), 0);
	cr_assert_float_eq(h.var_within, 1.0, 0.08, "within %g", h.var_within);
	/* The between estimate has k - 1 = 59 degrees of freedom: +-40% is ~3 sigma. */
	cr_assert(h.var_between > 9 * 0.6 && h.var_between < 9 * 1.4, "between %g", h.var_between);
	cr_assert_eq(vb_stats_hier(x, len, 1, 1, &h), 0);
	cr_assert_float_eq(h.var_between, 0, 1e-12);
}

/*
 * The point of the hierarchy: when invocations drift, an interval that
 * treats all samples as independent misses the true center most of the
 * time, and the hierarchical one covers it about 95% of the time.
 */
Test(stats_hier, covers_what_repeats)
{
	enum { K = 6, M = 20, TRIALS = 120 };
	double x[K * M];
	size_t len[K], hier_in = 0, plain_in = 0;

	for (int t = 0; t < TRIALS; t++) {
		struct vb_hier_stats h;
		struct vb_stats st;

		two_level(x, len, K, M, 50, 2, 1, 1000 + (uint64_t)t);
		vb_stats_hier(x, len, K, (uint64_t)t, &h);
		vb_stats_compute(x, K * M, (uint64_t)t, &st);
		hier_in += h.ci_low <= 50 && 50 <= h.ci_high;
		plain_in += st.ci_low <= 50 && 50 <= st.ci_high;
	}
	cr_assert_geq(hier_in, TRIALS * 85 / 100, "hierarchical covered %zu of %d", hier_in,
		      TRIALS);
	cr_assert_leq(plain_in, TRIALS * 60 / 100, "plain covered %zu of %d", plain_in, TRIALS);
}

Test(stats_hier, no_samples)
{
	size_t len[2] = { 0, 0 };
	struct vb_hier_stats h;

	cr_assert_eq(vb_stats_hier(NULL, len, 2, 1, &h), -1);
	cr_assert_eq(vb_stats_hier(NULL, len, 0, 1, &h), -1);
}

Test(stats_ratio, constant_sides_give_the_exact_ratio)
{
	const double a[] = { 100, 100, 100, 100, 100, 100 }, b[] = { 105, 105, 105, 105, 105, 105 };
	const size_t la[] = { 3, 3 }, lb[] = { 6 };
	double lo, hi;

	cr_assert_eq(vb_stats_ratio_ci(a, la, 2, b, lb, 1, 1, &lo, &hi), 0);
	cr_assert_float_eq(lo, 1.05, 1e-12);
	cr_assert_float_eq(hi, 1.05, 1e-12);
}

Test(stats_ratio, covers_a_known_ratio)
{
	enum { K = 8, M = 20 };
	double a[K * M], b[K * M], lo, hi, wlo, whi;
	size_t la[K], lb[K], one[1] = { K * M };

	two_level(a, la, K, M, 100, 1, 2, 21);
	two_level(b, lb, K, M, 110, 1, 2, 22);
	cr_assert_eq(vb_stats_ratio_ci(a, la, K, b, lb, K, 5, &lo, &hi), 0);
	cr_assert(lo < 1.10 && 1.10 < hi, "[%g, %g]", lo, hi);
	cr_assert(hi - lo < 0.05, "[%g, %g]", lo, hi);
	/* Ignoring the invocations narrows the interval. */
	cr_assert_eq(vb_stats_ratio_ci(a, one, 1, b, one, 1, 5, &wlo, &whi), 0);
	cr_assert_lt(whi - wlo, hi - lo);
	cr_assert_eq(vb_stats_ratio_ci(a, la, 0, b, lb, K, 5, &lo, &hi), -1);
}

Test(stats_tests, student_t_known_values)
{
	/* df 1 is Cauchy: P(|T| >= 1) = 1/2; df 2: 1 - t / sqrt(2 + t^2). */
	cr_assert_float_eq(vb_t_p_two_sided(1, 1), 0.5, 1e-10);
	cr_assert_float_eq(vb_t_p_two_sided(2, 2), 1 - 2 / sqrt(6), 1e-10);
	cr_assert_float_eq(vb_t_p_two_sided(2, 10), 0.0733880347834844, 1e-9);
	cr_assert_float_eq(vb_t_p_two_sided(0, 10), 1, 1e-12);
}

Test(stats_tests, welch_and_prediction)
{
	const double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 }, c[] = { 7, 7, 7 };

	/* Equal variances and sizes: t = 3 / sqrt(2/3), df = 4. */
	cr_assert_float_eq(vb_welch_p(a, 3, b, 3), 0.021311641130108538, 1e-8);
	cr_assert_float_eq(vb_welch_p(a, 3, a, 3), 1, 1e-12);
	cr_assert_float_eq(vb_welch_p(c, 3, c, 3), 1, 1e-12);
	cr_assert_float_eq(vb_welch_p(a, 1, b, 3), 1, 1e-12);
	/* (5 - 2) / sqrt(1 * (1 + 1/3)) with 2 df. */
	cr_assert_float_eq(vb_prediction_p(a, 3, 5), vb_t_p_two_sided(3 / sqrt(4.0 / 3), 2), 1e-12);
	cr_assert_float_eq(vb_prediction_p(c, 3, 7), 1, 1e-12);
	cr_assert_float_eq(vb_prediction_p(c, 3, 8), 0, 1e-12);
	/* Student with one value on a side is the prediction test. */
	cr_assert_float_eq(vb_student_p(a, 3, (double[]){ 5 }, 1), vb_prediction_p(a, 3, 5), 1e-12);
	cr_assert_float_eq(vb_student_p(a, 3, b, 3), 0.021311641130108538, 1e-8);
	cr_assert_float_eq(vb_student_p(a, 1, b, 1), 1, 1e-12);
}

/* A series of m runs of K invocations x M samples: each run drifts by
 * N(0, run_sd), each invocation by N(0, inv_sd), each sample by N(0, sd);
 * runs from step_at on are (1 + step) times slower. */
enum { SK = 3, SM = 10, SMAX = 16 };
struct series {
	double x[SMAX][SK * SM];
	size_t len[SMAX][SK];
	struct vb_series_point p[SMAX];
};

static void make_series(struct series *s, size_t m, double run_sd, double inv_sd, double sd,
			size_t step_at, double step, uint64_t seed)
{
	uint64_t r = mix_seed(seed);

	for (size_t i = 0; i < m; i++) {
		double level = 100 * (i >= step_at ? 1 + step : 1) + run_sd * gauss(&r);

		for (size_t j = 0; j < SK; j++) {
			double off = inv_sd * gauss(&r);

			s->len[i][j] = SM;
			for (size_t k = 0; k < SM; k++)
				s->x[i][j * SM + k] = level + off + sd * gauss(&r);
		}
		s->p[i] = (struct vb_series_point){ s->x[i], s->len[i], SK };
	}
}

Test(changepoints, a_known_step_is_found_where_it_is)
{
	static struct series s;
	struct vb_change c[SMAX];

	for (uint64_t seed = 1; seed <= 10; seed++) {
		make_series(&s, 12, 1, 0.5, 1, 7, 0.10, seed);
		cr_assert_eq(vb_changepoints(s.p, 12, 0.01, 0.05, c, SMAX), 1, "seed %lu", seed);
		cr_assert_eq(c[0].at, 7);
		cr_assert_float_eq(c[0].change, 0.10, 0.02);
		cr_assert_lt(c[0].p_points, 0.01);
		cr_assert_lt(c[0].p_samples, 0.01);
	}
}

Test(changepoints, a_flat_noisy_series_has_none)
{
	static struct series s;
	struct vb_change c[SMAX];

	/* Runs drift by 2% (sd) while each run's samples are tight: the raw
	 * samples of any two runs differ "significantly", but that is noise
	 * between runs. No threshold on the size of the change helps here. */
	for (uint64_t seed = 1; seed <= 20; seed++) {
		make_series(&s, 16, 2, 0.3, 0.5, 16, 0, seed);
		cr_assert_eq(vb_changepoints(s.p, 16, 0.01, 0, c, SMAX), 0,
			     "seed %lu: change at %zu, %+g", seed, c[0].at, c[0].change);
	}
}

Test(changepoints, the_newest_run_against_its_segment)
{
	static struct series s;
	struct vb_change c;
	size_t start = 99;

	make_series(&s, 6, 1, 0.5, 1, 5, 0.15, 3);
	cr_assert_eq(vb_change_newest(s.p, 6, 0.01, 0.05, &c, NULL), 1);
	cr_assert_eq(c.at, 5);
	cr_assert_gt(c.change, 0.10);
	make_series(&s, 6, 1, 0.5, 1, 6, 0, 3);
	cr_assert_eq(vb_change_newest(s.p, 6, 0.01, 0.05, &c, NULL), 0);
	/* An old step is not the newest run's fault: it is judged against the new level. */
	make_series(&s, 8, 1, 0.5, 1, 3, 0.15, 4);
	cr_assert_eq(vb_change_newest(s.p, 8, 0.01, 0.05, &c, &start), 0);
	cr_assert_eq(start, 3);
	cr_assert_eq(vb_change_newest(s.p, 1, 0.01, 0.05, &c, NULL), -1);
}

/* 10,000 runs of 9 samples with a step at 7,000: found where it is, in seconds (the splits of a
 * segment come from one sorted pass, not
 * from pooling and sorting the samples again for each of them). */
Test(changepoints, a_ten_thousand_run_series_is_judged_in_seconds, .timeout = 30)
{
	enum { M = 10000, N = 9 };
	static double x[M][N];
	static size_t len[M];
	static struct vb_series_point p[M];
	static struct vb_change c[8];
	uint64_t r = mix_seed(7);
	struct timespec t0, t1;
	size_t n;

	for (size_t i = 0; i < M; i++) {
		double level = 100 * (i >= 7000 ? 1.1 : 1) + 0.5 * gauss(&r);

		for (size_t k = 0; k < N; k++)
			x[i][k] = level + gauss(&r);
		len[i] = N;
		p[i] = (struct vb_series_point){ x[i], &len[i], 1 };
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = vb_changepoints(p, M, 0.01, 0.05, c, 8);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(n, 1, "%zu changes, the first at %zu (%+g)", n, c[0].at, c[0].change);
	cr_assert_eq(c[0].at, 7000);
	cr_assert_float_eq(c[0].change, 0.10, 0.01);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 10);
}
