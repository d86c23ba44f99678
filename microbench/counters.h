/* counters.h: what is counted around each timed sample, in one scope: the
 * bench process and its children, or a vCPU thread's guest and host sides.
 * PMU metrics (microbench/metrics.h) go in perf groups led by cycles;
 * software counts come from getrusage deltas or, with --counters all, from
 * inherited perf software counters. Whatever cannot be counted is listed
 * with its reason and the run carries on. */
#ifndef VB_COUNTERS_H
#define VB_COUNTERS_H

#include <jansson.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* --counters: each set holds the one before it. */
enum vb_counter_set {
	VB_CSET_NONE,		/* nothing */
	VB_CSET_SOFTWARE,	/* faults and context switches from getrusage */
	VB_CSET_DEFAULT,	/* + the default PMU metrics and --events */
	VB_CSET_ALL,		/* + every PMU metric, inherited perf software counters */
	VB_CSET_COUNT
};

const char *vb_counter_set_name(enum vb_counter_set s);
/* 0 and *out set, or -1 for an unknown word. */
int vb_counter_set_parse(const char *word, enum vb_counter_set *out);

/* Where counters count. */
enum vb_scope {
	VB_SCOPE_PROCESS,	/* this process and the children it forks (inherit) */
	VB_SCOPE_GUEST,		/* one vCPU thread, guest mode only (exclude_host) */
	VB_SCOPE_HOST,		/* one vCPU thread, host mode only (exclude_guest) */
	VB_SCOPE_VCPU,		/* one vCPU thread, both modes (TCG has no guest mode) */
	VB_SCOPE_COUNT
};

/* The row's word for a scope's side: "all", "guest", "host", "vcpu". */
const char *vb_scope_side(enum vb_scope s);

/* Shape attr (already encoded by libpfm4) for scope s: inherit, exclude_*,
 * read_format; leader says whether it leads its group. Pure. */
void vb_counter_attr(struct perf_event_attr *attr, enum vb_scope s, bool leader);

/* How counters are opened and read; the real one is perf_event_open. The
 * test double (VB_COUNTER_DOUBLE, docs/methodology.md) replaces it. */
struct vb_counter_backend {
	const char *name;
	int (*open)(struct perf_event_attr *attr, pid_t tid, int group_fd, const char *metric);
	int (*read)(int fd, uint64_t v[3]);	/* value, time enabled, time running */
	void (*close)(int fd);
};

struct vb_counter {
	char name[96];		/* metric name, --events name, or software event */
	char event[320];	/* libpfm4's fully qualified name actually counted */
	enum vb_scope scope;
	bool pmu;		/* false: a perf software counter (--counters all) */
	bool extra;		/* from --events */
	int group;		/* perf group within the scope, -1 for none */
	bool leader;
	bool repeat;		/* the cycles leading a group after the first: not summed */
	int fd;
	uint64_t val, enabled, running;		/* last reading */
	double total;				/* scaled sum of the deltas */
	uint64_t enabled_sum, running_sum;	/* over the timed samples */
};

struct vb_unavailable {
	char metric[96];
	enum vb_scope scope;
	/* no-pmu, permission, not-on-pmu, not-counted, open-failed, libpfm4 */
	const char *cause;
	char reason[256];
};

struct vb_counters {
	enum vb_counter_set set;
	const struct vb_counter_backend *be;
	struct vb_counter *c;
	int n, cap;
	struct vb_unavailable *u;
	int nu, capu;
	char fallbacks[512];	/* "; "-separated, e.g. user-only counting */
	bool rusage;		/* software counts from getrusage */
	double sw0[3];		/* minor faults, major faults, switches at start */
	double minflt, majflt, csw;
	int vpmu;		/* in a guest: 1 vPMU there, 0 none; -1 not in a guest */
	int samples;
};

/* Start an empty set; picks the backend (the double when VB_COUNTER_DOUBLE
 * names a file). */
void vb_counters_init(struct vb_counters *cs, enum vb_counter_set set);
/* Open what set asks for in scope s on thread tid (0: the caller; its
 * children too in VB_SCOPE_PROCESS), plus `events`, a comma list of libpfm4
 * names (may be NULL). Never fails: what cannot be opened is listed. */
void vb_counters_open(struct vb_counters *cs, enum vb_scope s, pid_t tid, const char *events);
/* Read all counters (right before the timed region). */
void vb_counters_start(struct vb_counters *cs);
/* Read again and add the deltas (right after). */
void vb_counters_stop(struct vb_counters *cs);
void vb_counters_close(struct vb_counters *cs);
/* Forget the counts so far (counters stay open): for a scope that serves
 * several rows, such as one Linux guest boot. */
void vb_counters_reset(struct vb_counters *cs);
/* Add to the row's counters object: set, software, pmu {side: {metric:
 * count|null}}, events [...], unavailable [...], fallbacks, vpmu. */
void vb_counters_json(const struct vb_counters *cs, json_t *counters);

/* Check an --events list: every name must resolve on this PMU. 0, or -1
 * with err naming the first that does not. */
int vb_counters_check_events(const char *events, char *err, size_t errlen);

/* The scale of one reading: enabled / running, 1 when it ran throughout,
 * 0 when it never ran ("not counted"). Pure. */
double vb_counter_scale(uint64_t enabled, uint64_t running);

#endif
