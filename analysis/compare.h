/* compare.h: the regression check between two runs: rows matched by bench,
 * params, mode, guest and pages requested; a change counts only when it is
 * both large (threshold) and statistically significant. */
#ifndef VB_COMPARE_H
#define VB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "lib/stats.h"

struct vb_compare_opts {
	double threshold;	/* relative change that matters: 0.05 = 5% */
	double alpha;		/* significance level of the Mann-Whitney U test: 0.01 */
};

#define VB_COMPARE_THRESHOLD 0.05
#define VB_COMPARE_ALPHA 0.01

/*
 * Verdicts of a matched row:
 *   none            |change| <= threshold
 *   not-significant beyond the threshold, but the test cannot tell it from noise
 *   regression      beyond the threshold, significant, in the worse direction
 *   improvement     beyond the threshold, significant, in the better direction
 *   unavailable     a side is skipped/failed, or the units differ
 * Significance, p < alpha: where both rows carry `invocations` (two or more
 * each), Welch's t test on the invocation medians, since the samples of one
 * invocation share its drift; else the two-sided Mann-Whitney U test on the
 * raw samples. Only when a side has no samples: the 95% CIs of the medians do
 * not overlap.
 * Direction: units ending in "/s" are rates (higher is better); any other
 * unit is a cost per operation (ns/load, us/fork: lower is better).
 */

/*
 * Compare two loaded runs. Returns a new object:
 *   { "schema": "vbench.compare/1", "baseline": id, "new": id,
 *     "threshold": t, "alpha": a, "method": "...",
 *     "rows": [ { "bench", "params", "mode", "guest", "pages", "unit",
 *                 "baseline": {status, median, ci95_low, ci95_high, n, reason,
 *                              invocations, var_between, var_within (when the row has them)},
 *                 "new": {...}, "change" (fraction or null),
 *                 "change_ci95" ([low, high] fractions: 95% bootstrap CI of
 *                 median(new) / median(baseline) - 1, hierarchical where the rows
 *                 have invocations; or null), "invocations" ([k_baseline, k_new]),
 *                 "higher_is_better", "p_value" (or null), "test"
 *                 ("welch-invocations", "mann-whitney", "ci-overlap", "none"),
 *                 "significant", "verdict", "note"? } ],
 *     "only_baseline": [ {bench, params, mode, guest, pages} ], "only_new": [...],
 *     "lost": [ {bench, params, mode, guest, pages, new_status, reason?} ],
 *     "warnings": [ "kernel differs: ..." ],
 *     "counts": { "regression": n, "improvement": n, "none": n,
 *                 "not-significant": n, "unavailable": n, "lost": n, "comparable": n } }
 */
json_t *vb_compare_runs(json_t *baseline, json_t *newrun, const struct vb_compare_opts *opts);

/* Number of regressions in a report from vb_compare_runs. */
size_t vb_compare_regressions(json_t *report);

/* Rows ok in the baseline that are missing, failed or skipped in the new
 * run (the report's "lost"): compare fails on them. */
size_t vb_compare_lost(json_t *report);

/* Matched rows with a verdict other than "unavailable": compare fails when
 * there are none. */
size_t vb_compare_comparable(json_t *report);

/* The report as a table for people. */
void vb_compare_print(FILE *f, json_t *report);

#endif
