/* estimate.h: how long a plan will take, from the seconds the same points
 * took in earlier runs of the run folder (--out), else from a stated default;
 * what --dry-run prints and the run's ETA and summary start from. */
#ifndef VB_ESTIMATE_H
#define VB_ESTIMATE_H

#include <stddef.h>

#include "harness/plan.h"

/* A point never seen before: this many seconds per invocation. */
#define VB_ESTIMATE_DEFAULT_S 5.0
/* The newest runs of the folder read for an estimate. */
#define VB_ESTIMATE_RUNS 30

struct vb_estimate {
	double *seconds;	/* per point, all invocations; 0 for a planned skip */
	const bool *will_skip;	/* set by the caller: the points to be skipped, or NULL */
	double total;		/* their sum */
	size_t from_history;	/* points whose time came from an earlier run */
	size_t by_default;	/* points given VB_ESTIMATE_DEFAULT_S a run */
	int runs_read;		/* earlier runs read */
};

/*
 * Estimate each point of a plan expanded for invocations invocations: the
 * newest earlier row of the same bench, mode, guest, pages and parameters
 * in out_dir's run folders gives its seconds (scaled to invocations when
 * that run had a different number), else a row of the same bench, mode and
 * guest with any parameters, else VB_ESTIMATE_DEFAULT_S per invocation.
 * Planned skips, and the points e->will_skip marks, take nothing; the
 * caller zeroes *e and sets will_skip. e->seconds is malloc'd (vb_estimate_free).
 */
int vb_estimate_plan(const struct vb_plan_point *points, size_t n, unsigned invocations,
		     const char *out_dir, struct vb_estimate *e);
void vb_estimate_free(struct vb_estimate *e);

/* "1:05" or "12 s" or "1 h 02". */
void vb_fmt_duration(double s, char *buf, size_t len);

#endif
