/* estimate.h: how long a plan will take, from the seconds the same points
 * took in earlier runs of the run folder (--out), else from a stated default;
 * what --dry-run prints and the run's ETA and summary start from. */
#ifndef VB_ESTIMATE_H
#define VB_ESTIMATE_H

#include <stddef.h>

#include "harness/plan.h"

/* A point never seen before: half the plan's sampling budget of a point
 * (repeat time=), plus this much per invocation for its setup. */
#define VB_ESTIMATE_SETUP_S 0.5
/* The newest runs of the folder read for an estimate. */
#define VB_ESTIMATE_RUNS 30

struct vb_estimate {
	double *seconds;	/* per point, all invocations; 0 for a planned skip */
	const bool *will_skip;	/* set by the caller: the points to be skipped, or NULL */
	double total;		/* their sum */
	size_t from_history;	/* points whose time came from an earlier run */
	size_t by_default;	/* points given default_s */
	double default_s;	/* the default of a point, all invocations */
	int runs_read;		/* earlier runs read */
};

/*
 * Estimate each point of a plan expanded for invocations invocations: the
 * newest earlier row of the same bench, mode, guest, pages and parameters
 * in out_dir's run folders gives its seconds (scaled to invocations when
 * that run had a different number), else a row of the same bench, mode and
 * guest with any parameters, else the default: half the stop rule's
 * max_seconds plus VB_ESTIMATE_SETUP_S per invocation (e->default_s).
 * Planned skips, and the points e->will_skip marks, take nothing; the
 * caller zeroes *e and sets will_skip. e->seconds is malloc'd (vb_estimate_free).
 */
int vb_estimate_plan(const struct vb_plan_point *points, size_t n, unsigned invocations,
		     double max_seconds, const char *out_dir, struct vb_estimate *e);
void vb_estimate_free(struct vb_estimate *e);

/* "1:05" or "12 s" or "1 h 02". */
void vb_fmt_duration(double s, char *buf, size_t len);

#endif
