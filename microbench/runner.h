/* runner.h: runs one bench: setup, page-size verification, warmup, timed
 * samples until the stop rule says enough, teardown; returns the result row. */
#ifndef VB_RUNNER_H
#define VB_RUNNER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/stats.h"
#include "microbench/bench.h"
#include "microbench/counters.h"

#define VB_SAMPLES_MAX 10000	/* the harness refuses rows with more */
/* Untimed runs before the samples: the default and the most taken, for the
 * runner, the plan and both usage texts (VB_STOP_TEXT makes them strings). */
#define VB_WARMUP_DEFAULT 1
#define VB_WARMUP_MAX 1000

struct vb_runner_opts {
	enum vb_page_size pages;	/* VB_PS_NONE means 4k */
	bool hugetlb;			/* 2m through hugetlbfs instead of THP */
	struct vb_stop_rule stop;
	unsigned warmup;		/* untimed runs before the samples */
	enum vb_counter_set counters;	/* --counters: what is counted (default: VB_CSET_DEFAULT) */
	const char *events; /* more PMU events or metrics, comma list, added to the set */
	uint64_t seed;			/* bench randomness and the bootstrap */
	/* Progress messages ("setup done", ...); NULL: none. */
	void (*log)(void *arg, const char *msg);
	void *log_arg;
};

/* The stop rule of docs/guest-protocol.md: 5..30 samples, 1%, 30 s; warmup 1. */
void vb_runner_opts_default(struct vb_runner_opts *o);

/* Run bench b with parameter values pv (pv->defs == b->params). Returns the
 * row: bench, params, unit, samples, stats, extra, pages, counters, status,
 * reason (when not ok), seconds. Skips and failures are rows too; NULL only
 * when out of memory. */
json_t *vb_runner_run(const struct vb_bench *b, const struct vb_param_values *pv,
		      const struct vb_runner_opts *o);

#endif
