/* pmu.h: PMU events by name through libpfm4, counted from the host with
 * perf_event_open on a set of threads (vCPU threads, a bench process). */
#ifndef VB_PMU_H
#define VB_PMU_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Initialise libpfm4 once per process. LIBPFM_FORCE_PMU (e.g. skl,
 * amd64_fam17h) is read here, so set it before the first call. */
int vb_pmu_init(char *err, size_t errlen);

/* libpfm4's name of the core PMU of this CPU (or the forced one), e.g.
 * "skl", "amd64_fam19h_zen4"; NULL when libpfm4 knows none. */
const char *vb_pmu_name(void);

/* Can this host count hardware events? Checks <root>/sys/bus/event_source/devices/cpu
 * and then opens a cycles counter on the calling thread. */
bool vb_pmu_present(char *reason, size_t len);

/* Resolve an event ("DTLB_LOAD_MISSES:WALK_COMPLETED_4K",
 * "perf::PERF_COUNT_SW_PAGE_FAULTS") to a perf_event_attr. fqname (may be
 * NULL) gets libpfm4's fully qualified name, e.g. "skl::DTLB_LOAD_MISSES:...". */
int vb_pmu_encode(const char *event, struct perf_event_attr *attr, char *fqname, size_t fqlen,
		  char *err, size_t errlen);

/* One page-walk event worth reading, for one CPU family. */
struct vb_pmu_walk_event {
	const char *key;	/* what it measures, vbench's word: walk_cycles, walks_4k, ... */
	const char *event;	/* libpfm4 name */
	const char *what;	/* one line for `vbench list` */
};

/* The candidate walk events for the vendor of the current PMU (Intel or
 * AMD); *n gets the count. Not every PMU has every one: see vb_pmu_walk_resolve. */
const struct vb_pmu_walk_event *vb_pmu_walk_candidates(int *n);
/* Fill out[] with those candidates that resolve on the current PMU; returns the count. */
int vb_pmu_walk_resolve(const struct vb_pmu_walk_event **out, int max);

/* Counters: each event opened on each thread, counting user and kernel (and
 * guest) time, summed over the threads when read. */
struct vb_pmu_group;

int vb_pmu_group_open(struct vb_pmu_group **out, const char *const *events, int nevents,
		      const pid_t *tids, int ntids, char *err, size_t errlen);
/* Every thread of a process, as listed in /proc/<pid>/task now. */
int vb_pmu_group_open_pid(struct vb_pmu_group **out, const char *const *events, int nevents,
			  pid_t pid, char *err, size_t errlen);
/* Reset to zero and start counting. */
int vb_pmu_group_enable(struct vb_pmu_group *g, char *err, size_t errlen);
int vb_pmu_group_disable(struct vb_pmu_group *g, char *err, size_t errlen);
/* Counts since the last enable, one per event in the order given, summed
 * over threads and scaled up when the kernel multiplexed the counter. */
int vb_pmu_group_read(struct vb_pmu_group *g, uint64_t *deltas, int n, char *err, size_t errlen);
int vb_pmu_group_nevents(const struct vb_pmu_group *g);
const char *vb_pmu_group_event(const struct vb_pmu_group *g, int i);
void vb_pmu_group_close(struct vb_pmu_group *g);

#endif
