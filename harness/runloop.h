/* runloop.h: the run under way: points prepared (planned skips, the KVM
 * mode and --switch-mode, hugepages), batched for guests that share a boot,
 * run through the guest table in rounds of invocations, and their rows
 * recorded as they finish. cmd_run.c builds the plan and calls it. */
#ifndef VB_RUNLOOP_H
#define VB_RUNLOOP_H

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "harness/backend.h"
#include "harness/plan.h"
#include "harness/results.h"

/* Points one guest boot or connection may run together. */
#define VB_BATCH_MAX 64

struct vb_run_loop {
	const struct vb_plan_point *points;
	size_t n_points;
	struct vb_results *res;
	struct vb_run_opts *opts;
	const cpu_set_t *cpus;		/* the CPU the run chose; points may grow it */
	volatile sig_atomic_t *interrupted;	/* Ctrl-C: the point under way stops, none after it */
	bool quiet;			/* no progress lines */
	json_t **acc;			/* each point's row so far; NULL before its first invocation */
	bool *recorded;			/* its row is written: it runs no more */
	size_t done;			/* rows recorded */
	int failed, hp_short;		/* failed rows; points skipped for want of hugepages */
	char hp_hint[512];		/* the command that would reserve those hugepages */
};

/* One round: every point not yet recorded runs invocation inv (of
 * invocations) once more, in plan order. A point is recorded (results.jsonl,
 * progress) after its last invocation, or at once when it did not run ok. */
void vb_run_round(struct vb_run_loop *r, unsigned inv, unsigned invocations);

#endif
