/* stats.c: summary statistics of repeated samples (median, mean, stdev, a
 * bootstrap 95% CI of the median) and the rule that says when to stop sampling. */
#include "analysis/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Seed used by the stop rule: its decision must not vary between calls. */
#define STOP_RULE_SEED 0x5eedULL

/* splitmix64: tiny, well mixed, and reproducible on every platform. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift, free of modulo bias worth caring about. */
static size_t rand_below(uint64_t *s, size_t n)
{
	return (size_t)(((unsigned __int128)splitmix64(s) * n) >> 64);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_sorted(const double *s, size_t n)
{
	if (n % 2)
		return s[n / 2];
	return (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

double vb_median(const double *x, size_t n)
{
	double *s, m;

	if (n == 0)
		return NAN;
	s = malloc(n * sizeof(*s));
	if (!s)
		abort();
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = median_sorted(s, n);
	free(s);
	return m;
}

/* The k-th smallest (0-based) of a resample given as counts over sorted values. */
static double kth_of_counts(const double *sorted, const unsigned *count, size_t n, size_t k)
{
	size_t seen = 0;

	for (size_t i = 0; i < n; i++) {
		seen += count[i];
		if (seen > k)
			return sorted[i];
	}
	return sorted[n - 1];
}

/*
 * Percentile bootstrap of the median. A resample's median depends only on how
 * often each original value was drawn, so drawing counts over the sorted
 * samples costs O(n) per resample instead of a sort.
 */
static void bootstrap_median_ci(const double *sorted, size_t n, uint64_t seed,
				double *lo, double *hi)
{
	double *meds = malloc(VB_BOOTSTRAP_RESAMPLES * sizeof(*meds));
	unsigned *count = malloc(n * sizeof(*count));
	uint64_t s = seed;

	if (!meds || !count)
		abort();
	for (size_t b = 0; b < VB_BOOTSTRAP_RESAMPLES; b++) {
		memset(count, 0, n * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[rand_below(&s, n)]++;
		if (n % 2)
			meds[b] = kth_of_counts(sorted, count, n, n / 2);
		else
			meds[b] = (kth_of_counts(sorted, count, n, n / 2 - 1) +
				   kth_of_counts(sorted, count, n, n / 2)) / 2.0;
	}
	qsort(meds, VB_BOOTSTRAP_RESAMPLES, sizeof(*meds), cmp_double);
	/* 2.5th and 97.5th percentiles: indices 50 and 1949 of 2000. */
	*lo = meds[(size_t)(0.025 * VB_BOOTSTRAP_RESAMPLES)];
	*hi = meds[(size_t)ceil(0.975 * VB_BOOTSTRAP_RESAMPLES) - 1];
	free(count);
	free(meds);
}

void vb_stats_compute(const double *x, size_t n, uint64_t seed, struct vb_stats *out)
{
	double *s, sum = 0, ss = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	/* Nothing measured: all zeros, so the result stays printable as JSON. */
	if (n == 0)
		return;
	s = malloc(n * sizeof(*s));
	if (!s)
		abort();
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);

	for (size_t i = 0; i < n; i++)
		sum += s[i];
	out->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (s[i] - out->mean) * (s[i] - out->mean);
	out->stdev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = median_sorted(s, n);

	if (n < 2) {
		out->ci_low = out->ci_high = out->median;
		out->ci_halfwidth_rel = 0.0;
	} else {
		bootstrap_median_ci(s, n, seed, &out->ci_low, &out->ci_high);
		if (out->median != 0.0)
			out->ci_halfwidth_rel = (out->ci_high - out->ci_low) / 2.0 / fabs(out->median);
		else
			/* A width relative to zero is unbounded unless there is no width. */
			out->ci_halfwidth_rel = out->ci_high > out->ci_low ? INFINITY : 0.0;
	}
	free(s);
}

bool vb_stop_rule_more(const struct vb_stop_rule *r, const double *x, size_t n, double elapsed)
{
	struct vb_stats st;
	/* A CI from fewer than 3 samples says nothing; never stop on one. */
	size_t ci_min = r->min_runs > 3 ? r->min_runs : 3;

	if (n >= r->max_runs)
		return false;
	if (n < r->min_runs)
		return true;
	if (r->max_seconds > 0 && elapsed >= r->max_seconds)
		return false;
	if (n < ci_min || r->target_ci <= 0)
		return true;
	vb_stats_compute(x, n, STOP_RULE_SEED, &st);
	return !(st.ci_halfwidth_rel <= r->target_ci);
}
