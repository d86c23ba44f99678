/* counters.h: counters read around each timed sample: software events and
 * PMU events (libpfm4 names) through perf_event_open. A source that cannot be
 * opened is recorded with the reason and the run carries on without it. */
#ifndef VB_COUNTERS_H
#define VB_COUNTERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define VB_COUNTERS_MAX 24

enum vb_counter_source { VB_CSRC_SOFTWARE, VB_CSRC_PMU };

struct vb_counter {
	char name[256];		/* as reported: "page_faults", "dTLB-load-misses", libpfm4 name */
	enum vb_counter_source source;
	int fd;
	uint64_t val, enabled, running;	/* last reading */
	double total;			/* sum of deltas over the timed samples, scaled when multiplexed */
};

struct vb_counters {
	struct vb_counter c[VB_COUNTERS_MAX];
	int n;
	char err_software[256];		/* why software events could not be read ("" when fine) */
	char err_pmu[512];		/* why PMU events could not be read ("" when fine) */
};

/* Open the software events and the PMU events: `events` is a comma list of
 * libpfm4 names, or NULL/"" for generic cycles, instructions and dTLB misses.
 * Counts follow forked children (inherit). Never fails; see err_*. */
void vb_counters_open(struct vb_counters *cs, const char *events);
/* Read all counters (call right before the timed region). */
void vb_counters_start(struct vb_counters *cs);
/* Read again and add the deltas to the totals (right after). */
void vb_counters_stop(struct vb_counters *cs);
void vb_counters_close(struct vb_counters *cs);
/* {"software":{...},"pmu":{...},"ops":n,"errors":{...}} */
json_t *vb_counters_json(const struct vb_counters *cs, uint64_t ops);

#endif
