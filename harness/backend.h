/* backend.h: how `vbench run` hands plan points to the guest that runs them
 * (harness/guest.h: natively, micro, Linux, remote) and gets result rows back. */
#ifndef VB_BACKEND_H
#define VB_BACKEND_H

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#include "lib/stats.h"
#include "harness/modes.h"
#include "lib/pages.h"
#include "lib/param.h"

struct vb_guest;

/* One point of the expanded plan. */
struct vb_point {
	const char *bench;			/* bench (native/linux) or micro kernel name */
	struct vb_param_values params;		/* validated against that bench's defs */
	enum vb_mode mode;
	struct vb_pages pages;			/* natively .host is VB_PS_NONE */
	const struct vb_guest *guest;		/* the table entry that runs it (harness/guest.h) */
	const char *target;			/* remote guest: [user@]host[:port]; else NULL */
};

/* Options of the run that every backend honours. */
struct vb_run_opts {
	struct vb_stop_rule stop;
	unsigned warmup;
	bool hugetlb;			/* 2m means hugetlbfs, not THP */
	bool switch_mode;		/* may reload kvm_intel/kvm_amd to reach a mode */
	double timeout_s;		/* a guest or child that runs longer is killed */
	int pin_cpu;			/* -1: let hwloc choose */
	const cpu_set_t *affinity;	/* CPUs chosen for this point (through hwloc); NULL: any */
	bool reserve_hugepages;		/* root may grow the hugetlb pools as needed */
	FILE *log;			/* the run log: progress and guest log lines */
	volatile sig_atomic_t
		*interrupted; /* set by Ctrl-C: end the point now (not .stop, the stop rule) */
	const char *counters;		/* --counters: none|software|default|all; NULL: default */
	const char *events; /* metrics or libpfm4 events added to the set, comma list, or NULL */
	const char *trace;		/* --trace: none|counts|latency; NULL: default (trace.h) */
	const char *guest_bin;		/* path of vbench-guest */
	const char *run_dir;		/* the run folder (console logs etc.) */
	const char *accel;		/* linux guest: "kvm", "tcg" or NULL for automatic */
	const char *identity;		/* remote guest: ssh -i FILE, or NULL */
	const char *const *ssh_opts;	/* remote guest: ssh -o values */
	int n_ssh_opts;
	unsigned long seed;
};

/* A guest's run() fills each `row` (already holding bench, mode, guest,
 * pages.requested, params, started) with samples, stats, pages.verified,
 * counters, status and reason. These run one point and return 0 whenever they
 * wrote a status (ok, skipped or failed); -1 only for errors that must stop
 * the whole run. */
int vb_backend_native(const struct vb_point *pt, const struct vb_run_opts *opts, json_t *row);
int vb_backend_micro(const struct vb_point *pt, const struct vb_run_opts *opts, json_t *row);

/* vbench-guest's argv for a point (docs/guest-protocol.md), argv[0] being
 * opts->guest_bin; strings are malloc'd, out is NULL-terminated. Returns argc or -1. */
int vb_guest_argv(const struct vb_point *pt, const struct vb_run_opts *opts, char **out, int max);

/* Run a vbench-guest command line (argv: vbench-guest itself, or ssh running
 * it on a target) and take its one result into row as untrusted output; on
 * anything else the row fails with a reason naming `who`. stdin_path feeds
 * the child (NULL: /dev/null, and the child is pinned to o->affinity).
 * Returns 0 once the row has a status. */
int vb_guest_exec(char *const argv[], const char *stdin_path, const struct vb_run_opts *o,
		  json_t *row, const char *who);

/* Set status "skipped"/"failed" with a printf reason; returns 0. */
__attribute__((format(printf, 3, 4)))
int vb_row_status(json_t *row, const char *status, const char *fmt, ...);

#endif
