/* pmu.h: the host's PMU as vbench sees it: libpfm4's core PMU, whether it
 * can count here, what each metric resolves to, and counting on threads
 * the harness knows (vCPU threads), guest and host sides apart. */
#ifndef VB_PMU_H
#define VB_PMU_H

#include <jansson.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "microbench/counters.h"

/* Initialise libpfm4 once per process. LIBPFM_FORCE_PMU (e.g. skl,
 * amd64_fam17h) is read here, so set it before the first call. */
int vb_pmu_init(char *err, size_t errlen);

/* libpfm4's name of the core PMU of this CPU (or the forced one), e.g.
 * "skl", "amd64_fam19h_zen4"; NULL when libpfm4 knows none. */
const char *vb_pmu_name(void);

/* Can this host count hardware events? Looks for the core PMU's device under
 * <root>/sys/bus/event_source/devices (lib/pmudev.h: cpu, cpu_core, arm64's
 * armv8_pmuv3_0 or armv8_<core>) and then opens a cycles counter on the
 * calling thread. */
bool vb_pmu_present(char *reason, size_t len);

/* Resolve an event ("DTLB_LOAD_MISSES:WALK_COMPLETED_4K") to a
 * perf_event_attr, guest mode included. fqname (may be NULL) gets
 * libpfm4's fully qualified name, e.g. "skl::DTLB_LOAD_MISSES:...". */
int vb_pmu_encode(const char *event, struct perf_event_attr *attr, char *fqname, size_t fqlen,
		  char *err, size_t errlen);

/* Every metric on the PMU in use: an array of {metric, what, default,
 * event, fqname, type, config, config1} or {metric, what, default, why};
 * a new reference. */
json_t *vb_pmu_metrics_json(void);

/* The metrics that resolve, as {metric: libpfm4 event}; a new reference. */
json_t *vb_pmu_resolved_events(void);

/*
 * Count cs's set on thread tid (a vCPU thread) from now on: with split,
 * as two sides, guest mode only (exclude_host, side "guest") and host mode
 * only (exclude_guest, side "host"); without, one side "vcpu". Call once
 * per vCPU thread on the same cs: the row's counts are summed over the
 * threads. Then vb_counters_start/stop around each timed pass and
 * vb_counters_json into the row's counters. Never fails: what cannot be
 * counted is listed in the row's counters.unavailable.
 */
void vb_pmu_open_thread(struct vb_counters *cs, pid_t tid, bool split, const char *events);

/* Add cs's counts to a row's counters object that already holds others
 * (the Linux guest's in-guest counts, side "all"): its pmu sides are added,
 * its events, unavailable and fallbacks appended; set is kept when there. */
void vb_pmu_merge_json(const struct vb_counters *cs, json_t *counters);

#endif
