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

#include "harness/point.h"
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
	volatile sig_atomic_t *interrupted; /* Ctrl-C: the point under way stops, none after it */
	bool quiet;			/* no progress lines */
	bool tty;			/* stderr is a terminal: one status line, rewritten */
	const double *est;		/* each point's estimated seconds (NULL: none) */
	double est_total, est_done;	/* estimated seconds of the run, and of what is done */
	double t0;			/* when the run started (vb_now_s) */
	unsigned inv, invocations;	/* the round under way, of how many */
	json_t **acc; /* each point's row so far; NULL before its first invocation */
	bool *recorded;			/* its row is written: it runs no more */
	size_t done;			/* rows recorded */
	int failed, hp_short;		/* failed rows; points skipped for want of hugepages */
	char hp_hint[512];		/* the command that would reserve those hugepages */
};

/* One round: every point not yet recorded runs invocation inv (of
 * invocations) once more, in plan order. A point is recorded (results.jsonl,
 * progress) after its last invocation, or at once when it did not run ok. */
void vb_run_round(struct vb_run_loop *r, unsigned inv, unsigned invocations);

/* After the last round: the status line cleared, and the skipped points
 * grouped by cause, one line per cause with its count, in plan order. */
void vb_run_loop_end(struct vb_run_loop *r);

/* Will this point be skipped, as far as can be told before the run changes
 * anything (planned skips, a mode /dev/kvm cannot give or reach, hugepages
 * short without --reserve-hugepages)? why gets the reason. For --dry-run. */
bool vb_point_will_skip(const struct vb_plan_point *pp, const struct vb_run_opts *opts, char *why,
			size_t len);

#endif
