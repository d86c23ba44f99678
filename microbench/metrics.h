/* metrics.h: the metrics vbench reports from the PMU (cycles, page walks by
 * kind and page size, EPT walk cycles, ...), a table per microarchitecture
 * keyed by libpfm4's PMU name that maps each one to candidate libpfm4 event
 * names, and the walk metrics derived from their counts. */
#ifndef VB_METRICS_H
#define VB_METRICS_H

#include <jansson.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>

enum vb_metric {
	VB_M_CYCLES,
	VB_M_INSTRUCTIONS,
	VB_M_LOADS,
	VB_M_LOAD_WALK_CYCLES,
	VB_M_STORE_WALK_CYCLES,
	VB_M_FETCH_WALK_CYCLES,
	VB_M_LOAD_WALKS_4K,
	VB_M_LOAD_WALKS_2M,
	VB_M_LOAD_WALKS_1G,
	VB_M_STORE_WALKS_4K,
	VB_M_STORE_WALKS_2M,
	VB_M_STORE_WALKS_1G,
	VB_M_FETCH_WALKS_4K,
	VB_M_FETCH_WALKS_2M,
	VB_M_FETCH_WALKS_1G,
	VB_M_LOAD_STLB_HITS,
	VB_M_STORE_STLB_HITS,
	VB_M_EPT_WALK_CYCLES,
	VB_M_EPT_WALKER_MEM_LOADS,
	VB_M_L1_DTLB_MISSES,
	VB_M_L2_TLB_HITS,
	VB_M_DATA_WALKS_4K,
	VB_M_DATA_WALKS_COALESCED,
	VB_M_DATA_WALKS_2M,
	VB_M_DATA_WALKS_1G,
	VB_M_TABLEWALKER_ALLOCS,
	VB_M_L2_TLB_REFILLS,	/* ARMv8: walks and sizes are not counted apart */
	VB_M_DATA_WALKS,
	VB_M_FETCH_WALKS,
	VB_M_COUNT
};

struct vb_metric_def {
	const char *name;	/* the row's word: "load_walk_cycles" */
	const char *what;	/* one line for `vbench list events` */
	bool in_default;	/* counted by --counters default (all counts every metric) */
};

extern const struct vb_metric_def vb_metric_defs[VB_M_COUNT];

/* The metric called name, or -1. */
int vb_metric_by_name(const char *name);

/* How one metric resolves on one PMU. */
struct vb_metric_res {
	bool ok;
	char event[320];	/* the candidate that won, as written in the table */
	char fqname[320];	/* libpfm4's fully qualified name of it */
	struct perf_event_attr attr;	/* libpfm4's encoding (type, config, config1) */
	char why[256];		/* when !ok: "not on icl (...)" */
};

/* Initialise libpfm4 (once; LIBPFM_FORCE_PMU is read then). */
int vb_metrics_init(char *err, size_t errlen);

/* Initialise libpfm4 as if on PMU name (LIBPFM_FORCE_PMU); for `vbench
 * list events --pmu` and tests. libpfm4 takes a forced PMU once per
 * process, so call this before anything else uses libpfm4. Fails, naming
 * the known PMUs, when libpfm4 or vbench's table does not know name. */
int vb_metrics_force_pmu(const char *name, char *err, size_t errlen);

/* libpfm4's name of the core PMU in use ("skl", "amd64_fam19h_zen4"), or
 * NULL when libpfm4 detects none. The string is libpfm4's. */
const char *vb_metrics_pmu(void);

/* The PMU names vbench has a table for, NULL-terminated. */
const char *const *vb_metrics_known_pmus(void);

/* The name of the table used for pmu ("skl" for clx too), or NULL. */
const char *vb_metrics_table(const char *pmu);

/* Resolve every metric on the PMU in use: the first candidate libpfm4
 * encodes wins. Metrics the table has no candidate for are "not on <pmu>". */
void vb_metrics_resolve(struct vb_metric_res out[VB_M_COUNT]);

/* Every metric resolved and every name of an --events list encoded, at once. */
#define VB_METRICS_EVENTS_MAX 64
struct vb_metrics_resolved {
	int init_rc;			/* 0, or -1 when libpfm4 did not initialise */
	char init_err[256];		/* why, when init_rc is -1 */
	struct vb_metric_res m[VB_M_COUNT];	/* as vb_metrics_resolve gives them */
	int n_events;			/* names in the --events list, in order */
	struct vb_metric_res ev[VB_METRICS_EVENTS_MAX];	/* each encoded; why = the error */
};

/*
 * Resolve every metric and encode each name of events (comma-separated,
 * may be NULL). With apart, libpfm4 runs in a child process: its tables
 * (several hundred KiB of a static binary's data, touched by the lookups)
 * then stay untouched here, so a fork of this process copies no page-table
 * entries for them and a bench that forks pays nothing for the resolution.
 * Call it apart from a single-threaded process only. Returns an anonymous
 * mapping, released with vb_metrics_resolved_free (which leaves no page of
 * it behind), or NULL when out of memory.
 */
struct vb_metrics_resolved *vb_metrics_resolve_all(const char *events, bool apart);
void vb_metrics_resolved_free(struct vb_metrics_resolved *r);

/* Encode one libpfm4 event name (user and kernel, guest mode included) for
 * perf_event_open. fqname may be NULL. */
int vb_metrics_encode(const char *event, struct perf_event_attr *attr, char *fqname, size_t fqlen,
		      char *err, size_t errlen);

/*
 * Derived walk metrics of one side from its metric counts (an object of
 * metric name -> count, null for "not counted") and the operations of the
 * timed samples: walk_cycles, walk_cycles_per_op, walk_cycles_per_load,
 * walk_cycle_share, walks, walks_per_kop, walk_mix {4k,2m,1g}, ept_share.
 * A metric whose inputs were not counted is left out. Returns a new object
 * (empty when nothing can be derived); never NULL except out of memory.
 */
json_t *vb_walk_derive(const json_t *counts, double ops);

/* The row's `walk` key from its counters.pmu (one object per side) and
 * counters.ops: {"<side>": {derived}}; NULL when no side derives anything. */
json_t *vb_walk_row(const json_t *counters);

#endif
