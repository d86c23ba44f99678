/* stats.h: summary statistics of repeated samples, and the stopping rule. */
#ifndef VB_STATS_H
#define VB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vb_stats {
	size_t n;
	double median, mean, stdev;	/* stdev: sample (n-1) */
	double min, max;
	double ci_low, ci_high;		/* 95% CI of the median, percentile bootstrap */
	double ci_halfwidth_rel;	/* (ci_high - ci_low) / 2 / |median|; 0 when n < 2 */
};

#define VB_BOOTSTRAP_RESAMPLES 2000

/* Compute all of the above; deterministic for a given seed. n may be 0. */
void vb_stats_compute(const double *x, size_t n, uint64_t seed, struct vb_stats *out);
double vb_median(const double *x, size_t n);	/* does not modify x */

/* When to stop repeating a measurement. */
struct vb_stop_rule {
	unsigned min_runs;	/* never stop before this many samples (>= 3 for a CI) */
	unsigned max_runs;	/* never take more */
	double target_ci;	/* stop once ci_halfwidth_rel <= this (0.01 = 1%) */
	double max_seconds;	/* stop once this much time went into the samples */
};

/* True when another sample should be taken, given the samples so far and the
 * seconds spent on them. */
bool vb_stop_rule_more(const struct vb_stop_rule *r, const double *x, size_t n, double elapsed);

#endif
