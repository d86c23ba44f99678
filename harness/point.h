/* point.h: what `vbench run` hands the guest that runs a point (harness/guest.h:
 * none, micro, Linux, remote): the plan point and the options of the run. */
#ifndef VB_POINT_H
#define VB_POINT_H

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

/* Options of the run that every guest honours. */
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

#endif
