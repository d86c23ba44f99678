/* stats.h: summary statistics of repeated samples, and the stopping rule. */
#ifndef VB_STATS_H
#define VB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/row.h"

/* struct vb_stats, the row's `stats`, is lib/row.h's. */

#define VB_BOOTSTRAP_RESAMPLES 2000

/* Compute all of the above; deterministic for a given seed. n may be 0. */
void vb_stats_compute(const double *x, size_t n, uint64_t seed, struct vb_stats *out);
double vb_median(const double *x, size_t n);	/* does not modify x */

/*
 * Samples grouped by invocation (independent processes or guests measuring
 * the same point): x holds all samples in order, invocation i the next
 * len[i] of them.
 */
struct vb_hier_stats {
	size_t k, n;			/* invocations, samples in all */
	double median;			/* of all samples pooled */
	double ci_low, ci_high;		/* 95% CI of the median, hierarchical bootstrap */
	double ci_halfwidth_rel;
	double var_between;		/* variance of the invocation means, beyond what
					 * the within variance explains (random-effects
					 * ANOVA, method of moments, floored at 0) */
	double var_within;		/* pooled variance inside invocations */
};

/*
 * Median, its 95% CI by a two-level bootstrap (draw k invocations with
 * replacement, then each drawn invocation's samples with replacement; the
 * median of the pooled draw), and both levels' variance. With k == 1 the
 * CI is the plain bootstrap's. Deterministic for a seed; -1 when there is
 * no sample at all.
 */
int vb_stats_hier(const double *x, const size_t *len, size_t k, uint64_t seed,
		  struct vb_hier_stats *out);

/*
 * 95% percentile-bootstrap CI of median(B) / median(A), each side resampled
 * as vb_stats_hier does (k == 1: plainly). -1 when a side has no sample or
 * most baseline resamples have a zero median.
 */
int vb_stats_ratio_ci(const double *xa, const size_t *la, size_t ka,
		      const double *xb, const size_t *lb, size_t kb, uint64_t seed,
		      double *lo, double *hi);

/* Two-sided p-value of the Mann-Whitney U test; 1 when either side is empty.
 * Exact without ties up to 50 samples in all, else the normal approximation
 * with tie and continuity corrections. */
double vb_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

/* Two-sided p-value of Welch's t test (unequal variances); 1 when a side
 * has fewer than 2 values. */
double vb_welch_p(const double *a, size_t na, const double *b, size_t nb);

/* Two-sided p-value of Student's t test with the two sides' variance pooled
 * (na + nb - 2 degrees of freedom); 1 when na + nb < 3 or a side is empty.
 * With nb == 1 it is the prediction test below. */
double vb_student_p(const double *a, size_t na, const double *b, size_t nb);

/* Two-sided p-value that x comes from the population of a (t prediction
 * interval: (x - mean) / (s * sqrt(1 + 1/n)), n - 1 degrees of freedom). */
double vb_prediction_p(const double *a, size_t na, double x);

/* P(|T| >= |t|) for Student's t with df degrees of freedom. */
double vb_t_p_two_sided(double t, double df);

/* One point of a series (a run's row): its samples, grouped by invocation
 * as for vb_stats_hier (k == 1: not grouped). */
struct vb_series_point {
	const double *x;
	const size_t *len;
	size_t k;
};

/* A change between two segments of a series. */
struct vb_change {
	size_t at;		/* index of the first point after the change */
	double change;		/* median of the samples after / before, minus 1 */
	double p_samples;	/* Mann-Whitney on the raw samples of the two segments */
	double p_points;	/* Student's t test (pooled variance) on the points' medians */
};

/*
 * Change points of a series (points in time order) by binary segmentation.
 * A split counts when |change| >= min_change and both tests give p below
 * alpha / (candidate splits of the segment): the raw samples alone would
 * call the drift between runs a change, the points' medians alone would
 * ignore how noisy each run is. Writes up to max changes, in order, each
 * measured against its neighbouring segments; returns how many.
 */
size_t vb_changepoints(const struct vb_series_point *p, size_t m, double alpha, double min_change,
		       struct vb_change *out, size_t max);

/*
 * The newest point against the segment it follows (the last segment that
 * vb_changepoints finds in the points before it), with the same two tests
 * at alpha (one question asked: no correction). 1 when significant and
 * |change| >= min_change, 0 when not, -1 with fewer than 2 points. The
 * direction is the caller's to judge from c->change. *seg_start (when not
 * NULL) gets the index of the segment's first point.
 */
int vb_change_newest(const struct vb_series_point *p, size_t m, double alpha, double min_change,
		     struct vb_change *c, size_t *seg_start);

/* When to stop repeating a measurement. */
struct vb_stop_rule {
	unsigned min_runs;	/* never stop before this many samples (>= 3 for a CI) */
	unsigned max_runs;	/* never take more */
	double target_ci;	/* stop once ci_halfwidth_rel <= this (0.01 = 1%) */
	double max_seconds;	/* stop once this much time went into the samples */
};

/*
 * The stop rule's defaults, in one place: a plan's (harness/plan.c), the
 * runner's (microbench/runner.c), and the numbers the usage texts of
 * `vbench run` and vbench-guest state, as string literals through
 * VB_STOP_TEXT: "(default " VB_STOP_TEXT(VB_STOP_MIN_RUNS) ")".
 */
#define VB_STOP_MIN_RUNS	5
#define VB_STOP_MAX_RUNS	30
#define VB_STOP_TARGET_CI	0.01	/* VB_STOP_TARGET_CI_PCT percent */
#define VB_STOP_TARGET_CI_PCT	1
#define VB_STOP_MAX_SECONDS	30
#define VB_STOP_DEFAULT                                                                  \
	((struct vb_stop_rule){ .min_runs = VB_STOP_MIN_RUNS, .max_runs = VB_STOP_MAX_RUNS, \
				.target_ci = VB_STOP_TARGET_CI,                              \
				.max_seconds = VB_STOP_MAX_SECONDS })
#define VB_STOP_TEXT_(x)	#x
#define VB_STOP_TEXT(x)		VB_STOP_TEXT_(x)

/* True when another sample should be taken, given the samples so far and the
 * seconds spent on them. */
bool vb_stop_rule_more(const struct vb_stop_rule *r, const double *x, size_t n, double elapsed);

#endif
