/* counters.c: counters read around each timed sample, in one scope. PMU
 * metrics go in perf groups led by cycles, every counter keeps its time
 * enabled and running, and whatever cannot be counted is listed with why. */
#include "microbench/counters.h"
#include "microbench/metrics.h"
#include "lib/arch.h"
#include "lib/error.h"
#include "lib/pmudev.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define GROUP_MAX 4	/* cycles + 3: fits 4 general counters with SMT on, Intel and AMD */

static const char *const set_names[VB_CSET_COUNT] = { "none", "software", "default", "all" };
static const char *const sides[VB_SCOPE_COUNT] = { "all", "guest", "host", "vcpu" };

_Static_assert(sizeof(set_names) / sizeof(set_names[0]) == VB_CSET_COUNT, "set names");
_Static_assert(sizeof(sides) / sizeof(sides[0]) == VB_SCOPE_COUNT, "side names");

const char *vb_counter_set_name(enum vb_counter_set s)
{
	return s < VB_CSET_COUNT ? set_names[s] : "?";
}

int vb_counter_set_parse(const char *word, enum vb_counter_set *out)
{
	for (int i = 0; i < VB_CSET_COUNT; i++)
		if (!strcmp(word, set_names[i])) {
			*out = (enum vb_counter_set)i;
			return 0;
		}
	return -1;
}

const char *vb_scope_side(enum vb_scope s)
{
	return s < VB_SCOPE_COUNT ? sides[s] : "?";
}

void vb_counter_attr(struct perf_event_attr *attr, enum vb_scope s, bool leader)
{
	attr->size = sizeof(*attr);
	attr->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	/* Counting from open on: samples are deltas of reads, so no ioctl sits
	 * between the clock and the work. Members follow their leader. */
	attr->disabled = 0;
	attr->exclude_hv = 1;
	attr->pinned = 0;
	(void)leader;
	switch (s) {
	case VB_SCOPE_PROCESS:
		/* Children count too: forkwait's and ctxswitch's work happens partly in them. */
		attr->inherit = 1;
		attr->exclude_host = 0;
		attr->exclude_guest = 0;
		break;
	case VB_SCOPE_GUEST:
		attr->inherit = 0;
		attr->exclude_host = 1;
		attr->exclude_guest = 0;
		break;
	case VB_SCOPE_HOST:
		attr->inherit = 0;
		attr->exclude_host = 0;
		attr->exclude_guest = 1;
		break;
	case VB_SCOPE_VCPU:
	default:
		attr->inherit = 0;
		attr->exclude_host = 0;
		attr->exclude_guest = 0;
		break;
	}
}

double vb_counter_scale(uint64_t enabled, uint64_t running)
{
	if (!running)
		return 0;
	return running >= enabled ? 1.0 : (double)enabled / (double)running;
}

/* The real backend. */

static int perf_open(struct perf_event_attr *attr, pid_t tid, int group_fd, const char *metric)
{
	(void)metric;
	return (int)syscall(SYS_perf_event_open, attr, tid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
}

static int perf_read(int fd, uint64_t v[3])
{
	return read(fd, v, 3 * sizeof(uint64_t)) == 3 * sizeof(uint64_t) ? 0 : -1;
}

static void perf_close(int fd)
{
	close(fd);
}

static const struct vb_counter_backend perf_backend = { "perf_event", perf_open, perf_read,
							perf_close };

/*
 * The counter double (VB_COUNTER_DOUBLE=FILE, for tests): FILE has lines
 * "<metric or event> <count per sample> [<fraction of time running>]".
 * Each listed metric opens, and every start/stop pair of reads moves it by
 * count * fraction with time running at that fraction of time enabled, so
 * the scaled delta is exactly count. A fraction of 0 is "not counted".
 * Unlisted metrics fail to open with ENOENT. A line "user-only" makes
 * every open that counts the kernel fail with EACCES, as
 * perf_event_paranoid=2 does. Its state is a table filled on first use,
 * as the double serves one process.
 */
#define DOUBLE_MAX 64
#define DOUBLE_FD0 (1 << 20)

static struct {
	char name[96];
	double count, frac;
	unsigned long reads;
} dbl[DOUBLE_MAX];
static int n_dbl = -1;
static bool dbl_user_only;

static void double_load(void)
{
	const char *path = getenv("VB_COUNTER_DOUBLE");
	char line[256];
	FILE *f;

	n_dbl = 0;
	f = path ? fopen(path, "r") : NULL;
	while (f && n_dbl < DOUBLE_MAX && fgets(line, sizeof(line), f)) {
		double frac = 1;
		int got;

		if (line[0] == '#')
			continue;
		if (!strncmp(line, "user-only", 9)) {
			dbl_user_only = true;
			continue;
		}
		got = sscanf(line, "%95s %lf %lf", dbl[n_dbl].name, &dbl[n_dbl].count, &frac);
		if (got < 2)
			continue;
		dbl[n_dbl].frac = frac;
		n_dbl++;
	}
	if (f)
		fclose(f);
}

static int double_open(struct perf_event_attr *attr, pid_t tid, int group_fd, const char *metric)
{
	(void)tid, (void)group_fd;
	if (n_dbl < 0)
		double_load();
	if (dbl_user_only && !attr->exclude_kernel) {
		errno = EACCES;
		return -1;
	}
	for (int i = 0; i < n_dbl; i++)
		if (!strcmp(dbl[i].name, metric)) {
			/* Each open is a fresh counter: another slot with the same counts. */
			if (dbl[i].reads && n_dbl < DOUBLE_MAX) {
				dbl[n_dbl] = dbl[i];
				dbl[n_dbl].reads = 0;
				i = n_dbl++;
			}
			dbl[i].reads = 1;
			return DOUBLE_FD0 + i;
		}
	errno = ENOENT;
	return -1;
}

static int double_read(int fd, uint64_t v[3])
{
	int i = fd - DOUBLE_FD0;
	unsigned long k;

	if (i < 0 || i >= n_dbl)
		return -1;
	k = dbl[i].reads++ / 2;		/* completed start/stop pairs */
	v[1] = k * 1000000ULL;
	v[2] = (uint64_t)((double)v[1] * dbl[i].frac);
	v[0] = (uint64_t)((double)k * dbl[i].count * dbl[i].frac + 0.5);
	return 0;
}

static void double_close(int fd)
{
	(void)fd;
}

static const struct vb_counter_backend double_backend = { "double", double_open, double_read,
							  double_close };

/* Bookkeeping. */

static struct vb_counter *add(struct vb_counters *cs, const char *name, enum vb_scope s, int fd)
{
	struct vb_counter *c;

	if (cs->n == cs->cap) {
		int cap = cs->cap ? cs->cap * 2 : 16;
		struct vb_counter *n = realloc(cs->c, sizeof(*n) * (size_t)cap);

		if (!n) {
			cs->be->close(fd);
			return NULL;
		}
		cs->c = n;
		cs->cap = cap;
	}
	c = &cs->c[cs->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->scope = s;
	c->fd = fd;
	c->group = -1;
	return c;
}

__attribute__((format(printf, 5, 6)))
static void unavailable(struct vb_counters *cs, const char *metric, enum vb_scope s,
			const char *cause, const char *fmt, ...)
{
	struct vb_unavailable *u;
	va_list ap;

	for (int i = 0; i < cs->nu; i++)
		if (cs->u[i].scope == s && !strcmp(cs->u[i].metric, metric))
			return;
	if (cs->nu == cs->capu) {
		int cap = cs->capu ? cs->capu * 2 : 16;
		struct vb_unavailable *n = realloc(cs->u, sizeof(*n) * (size_t)cap);

		if (!n)
			return;
		cs->u = n;
		cs->capu = cap;
	}
	u = &cs->u[cs->nu++];
	snprintf(u->metric, sizeof(u->metric), "%s", metric);
	u->scope = s;
	u->cause = cause;
	va_start(ap, fmt);
	vsnprintf(u->reason, sizeof(u->reason), fmt, ap);
	va_end(ap);
}

static void fallback(struct vb_counters *cs, const char *what)
{
	size_t used = strlen(cs->fallbacks);

	if (strstr(cs->fallbacks, what))
		return;
	snprintf(cs->fallbacks + used, sizeof(cs->fallbacks) - used, "%s%s", used ? "; " : "",
		 what);
}

static int paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = -99;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -99;
		fclose(f);
	}
	return v;
}

/* Asked once: the PMU devices do not change while we run, and each look
 * reads a sysfs folder (a heap buffer), which would otherwise happen once per
 * event that failed to open. */
static bool have_cpu_pmu(void)
{
	static int known = -1;
	char dev[256];

	if (known < 0)
		known = vb_core_pmu_find("", dev, sizeof(dev), NULL);
	return known;
}

/* Why a hardware counter did not open, as a cause and a reason. */
static const char *classify(const struct vb_counters *cs, int e, char *why, size_t len)
{
	if (cs->be == &double_backend) {
		snprintf(why, len, "the counter double has no count for it");
		return "open-failed";
	}
	if ((e == ENOENT || e == ENODEV || e == EOPNOTSUPP) && !have_cpu_pmu()) {
		snprintf(why, len, "no hardware PMU in this %s (no %s)",
			 cs->vpmu >= 0 ? "VM" : "machine", vb_arch_core_pmu_what());
		return "no-pmu";
	}
	if (e == EACCES || e == EPERM) {
		snprintf(why, len, "perf_event_paranoid=%d does not allow it (%s)", paranoid(),
			 strerror(e));
		return "permission";
	}
	snprintf(why, len, "perf_event_open: %s", strerror(e));
	return "open-failed";
}

/* Open one counter; on EACCES count user mode only and say so. */
static int open_one(struct vb_counters *cs, struct perf_event_attr *attr, pid_t tid, int group_fd,
		    const char *name)
{
	int fd = cs->be->open(attr, tid, group_fd, name);

	if (fd < 0 && (errno == EACCES || errno == EPERM) && !attr->exclude_kernel) {
		char what[128];

		attr->exclude_kernel = 1;
		fd = cs->be->open(attr, tid, group_fd, name);
		if (fd >= 0) {
			snprintf(what, sizeof(what), "user-only counting (perf_event_paranoid=%d)",
				 paranoid());
			fallback(cs, what);
		}
	}
	return fd;
}

/* x86: CPUID.1:ECX bit 31 says a hypervisor is there. */
static bool in_guest(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c & (1u << 31);
#else
	return false;
#endif
}

void vb_counters_init(struct vb_counters *cs, enum vb_counter_set set)
{
	memset(cs, 0, sizeof(*cs));
	cs->set = set;
	cs->be = getenv("VB_COUNTER_DOUBLE") ? &double_backend : &perf_backend;
	cs->vpmu = in_guest() ? have_cpu_pmu() : -1;
}

static const struct {
	const char *name;
	uint64_t config;
} sw_events[] = {
	{ "page_faults", PERF_COUNT_SW_PAGE_FAULTS },
	{ "minor_faults", PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major_faults", PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "context_switches", PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu_migrations", PERF_COUNT_SW_CPU_MIGRATIONS },
};

static void open_software(struct vb_counters *cs, pid_t tid)
{
	for (size_t i = 0; i < sizeof(sw_events) / sizeof(sw_events[0]); i++) {
		struct perf_event_attr attr = { .type = PERF_TYPE_SOFTWARE,
						.config = sw_events[i].config };
		struct vb_counter *c;
		int fd;

		vb_counter_attr(&attr, VB_SCOPE_PROCESS, true);
		fd = open_one(cs, &attr, tid, -1, sw_events[i].name);
		if (fd < 0) {
			unavailable(cs, sw_events[i].name, VB_SCOPE_PROCESS, "open-failed",
				    "perf_event_open: %s", strerror(errno));
			continue;
		}
		c = add(cs, sw_events[i].name, VB_SCOPE_PROCESS, fd);
		if (c)
			snprintf(c->event, sizeof(c->event), "perf::%s", sw_events[i].name);
	}
}

/* One event to open: a metric or an --events name, already encoded. */
struct want {
	char name[96];
	char event[320];
	struct perf_event_attr attr;
	bool extra;
};

static bool is_open(const struct vb_counters *cs, const char *name, enum vb_scope s)
{
	for (int i = 0; i < cs->n; i++)
		if (cs->c[i].scope == s && !strcmp(cs->c[i].name, name))
			return true;
	return false;
}

static void open_group(struct vb_counters *cs, enum vb_scope s, pid_t tid, int g,
		       const struct vb_metric_res *cyc, const struct want *w, int n, bool *no_pmu)
{
	char why[256];
	const char *cause;
	struct perf_event_attr attr;
	struct vb_counter *c;
	int lfd = -1;

	if (cyc) {
		attr = cyc->attr;
		vb_counter_attr(&attr, s, true);
		lfd = open_one(cs, &attr, tid, -1, "cycles");
		if (lfd < 0) {
			cause = classify(cs, errno, why, sizeof(why));
			*no_pmu = !strcmp(cause, "no-pmu") || !strcmp(cause, "permission");
			if (!is_open(cs, "cycles",
				     s)) /* a later group's leader: group 0's counts */
				unavailable(cs, "cycles", s, cause, "%s", why);
			for (int i = 0; i < n; i++)
				unavailable(cs, w[i].name, s, cause, "%s%s", why, *no_pmu ? "" :
					    " (its group's cycles leader did not open)");
			return;
		}
		c = add(cs, "cycles", s, lfd);
		if (!c)
			return;
		snprintf(c->event, sizeof(c->event), "%s", cyc->fqname);
		c->pmu = true;
		c->group = g;
		c->leader = true;
		c->repeat = g > 0;
	}
	for (int i = 0; i < n; i++) {
		int fd;

		attr = w[i].attr;
		vb_counter_attr(&attr, s, !cyc);
		if (strstr(cs->fallbacks, "user-only"))
			attr.exclude_kernel = 1;	/* a group counts one way */
		fd = open_one(cs, &attr, tid, lfd, w[i].name);
		if (fd < 0) {
			cause = classify(cs, errno, why, sizeof(why));
			if (!strcmp(cause, "no-pmu"))
				*no_pmu = true;
			unavailable(cs, w[i].name, s, cause, "%s", why);
			continue;
		}
		c = add(cs, w[i].name, s, fd);
		if (!c)
			return;
		snprintf(c->event, sizeof(c->event), "%s", w[i].event);
		c->pmu = true;
		c->extra = w[i].extra;
		c->group = cyc ? g : -1;
		c->leader = !cyc;
	}
}

/* A metric this microarchitecture has no event for ("not on skl"): a PMU
 * would not help. Not so when vbench has no table for the PMU at all (an
 * emulated CPU without a PMU, e.g. under TCG). */
static bool lacks(const struct vb_metric_res *r)
{
	return !r->ok && !strncmp(r->why, "not on", 6) && !strstr(r->why, "no metric table");
}

/* Scratch memory that leaves no page behind once freed: what the
 * process keeps resident, a fork of it copies. */
static void *scratch(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

#define WANT_MAX (VB_M_COUNT + VB_METRICS_EVENTS_MAX)

/* The events to open for the set and --events, from their resolution rv;
 * the rest go to the row's unavailable list. no_pmu (when not NULL) says
 * why no hardware event can count here: then only perf's software events
 * are wanted. */
static int wants(struct vb_counters *cs, enum vb_scope s, const char *events,
		 const struct vb_metrics_resolved *rv, const char *no_pmu, struct want *w)
{
	const struct vb_metric_res *res = rv->m;
	char buf[1024], *save = NULL;
	int n = 0, m, ti = 0;

	for (m = 0; m < VB_M_COUNT && cs->set >= VB_CSET_DEFAULT; m++) {
		if (m == VB_M_CYCLES ||
		    (cs->set == VB_CSET_DEFAULT && !vb_metric_defs[m].in_default))
			continue;
		if (no_pmu && !lacks(&res[m])) {
			unavailable(cs, vb_metric_defs[m].name, s, "no-pmu", "%s", no_pmu);
			continue;
		}
		if (!res[m].ok) {
			const char *cause = strncmp(res[m].why, "not on", 6) ? "libpfm4" :
					    "not-on-pmu";

			unavailable(cs, vb_metric_defs[m].name, s, cause, "%s", res[m].why);
			continue;
		}
		snprintf(w[n].name, sizeof(w[n].name), "%s", vb_metric_defs[m].name);
		snprintf(w[n].event, sizeof(w[n].event), "%s", res[m].fqname);
		w[n++].attr = res[m].attr;
	}
	snprintf(buf, sizeof(buf), "%s", events ? events : "");
	/* ti follows the tokens as vb_metrics_resolve_all numbered them. */
	for (char *t = strtok_r(buf, ",", &save); t && n < WANT_MAX;
	     t = strtok_r(NULL, ",", &save), ti++) {
		const struct vb_metric_res *ev = ti < rv->n_events ? &rv->ev[ti] : NULL;
		bool dup = false;

		for (int i = 0; i < n && !dup; i++)
			dup = !strcmp(w[i].name, t);
		if (dup || !strcmp(t, "cycles"))
			continue;
		/* A metric's name adds that metric, as the table resolves it. */
		m = vb_metric_by_name(t);
		if (m >= 0 && no_pmu && !lacks(&res[m])) {
			unavailable(cs, t, s, "no-pmu", "%s", no_pmu);
			continue;
		}
		if (m >= 0 && !res[m].ok) {
			unavailable(cs, t, s, "not-on-pmu", "%s", res[m].why);
			continue;
		}
		if (m >= 0) {
			snprintf(w[n].event, sizeof(w[n].event), "%s", res[m].fqname);
			w[n].attr = res[m].attr;
		} else if (!ev || !ev->ok) {
			unavailable(cs, t, s, "libpfm4", "%s",
				    ev ? ev->why : "more --events than vbench takes");
			continue;
		} else {
			snprintf(w[n].event, sizeof(w[n].event), "%s", ev->fqname);
			w[n].attr = ev->attr;
		}
		if (no_pmu && w[n].attr.type != PERF_TYPE_SOFTWARE) {
			unavailable(cs, t, s, "no-pmu", "%s", no_pmu);
			continue;
		}
		snprintf(w[n].name, sizeof(w[n].name), "%s", t);
		w[n++].extra = true;
	}
	return n;
}

/*
 * The process scope resolves apart, in a child: libpfm4's lookups touch
 * hundreds of KiB of its tables, and every page they leave resident in a
 * mapping that has private copies (a static binary's data and RELRO) is a
 * page-table entry each fork of this process copies and each exit frees.
 * That cost forkwait 25-35% with no PMU to count on (docs/methodology.md).
 * The vCPU scopes are opened from the harness, which has libpfm4 up anyway.
 */
static void open_pmu(struct vb_counters *cs, enum vb_scope s, pid_t tid, const char *events)
{
	struct vb_metrics_resolved *rv = vb_metrics_resolve_all(events, s == VB_SCOPE_PROCESS);
	const struct vb_metric_res *res;
	struct want *w = scratch(sizeof(*w) * WANT_MAX);
	bool no_pmu = false;
	char absent[256] = "";
	int n, groups;

	if (!rv || !w) {
		unavailable(cs, "cycles", s, "open-failed", "out of memory resolving the metrics");
		goto out;
	}
	if (rv->init_rc < 0) {
		unavailable(cs, "cycles", s, "libpfm4", "%s", rv->init_err);
		goto out;
	}
	res = rv->m;
	/* No PMU at all (a VM without a vPMU): say that, whatever the tables say. */
	if (cs->be == &perf_backend && !have_cpu_pmu())
		classify(cs, ENOENT, absent, sizeof(absent));
	n = wants(cs, s, events, rv, absent[0] ? absent : NULL, w);
	/* perf's own software events (--events perf::...) need no PMU: alone, first. */
	for (int i = 0; i < n; i++)
		if (w[i].attr.type == PERF_TYPE_SOFTWARE) {
			bool none = false;

			open_group(cs, s, tid, -1, NULL, &w[i], 1, &none);
			w[i--] = w[--n];
		}
	if (absent[0]) {
		if (cs->set >= VB_CSET_DEFAULT && lacks(&res[VB_M_CYCLES]))
			unavailable(cs, "cycles", s, "not-on-pmu", "%s", res[VB_M_CYCLES].why);
		else if (cs->set >= VB_CSET_DEFAULT)
			unavailable(cs, "cycles", s, "no-pmu", "%s", absent);
	} else if (!res[VB_M_CYCLES].ok) {
		/* No cycles to lead: each event alone. */
		unavailable(cs, "cycles", s, "not-on-pmu", "%s", res[VB_M_CYCLES].why);
		for (int i = 0; i < n && !no_pmu; i++)
			open_group(cs, s, tid, i, NULL, &w[i], 1, &no_pmu);
	} else {
		groups = n ? (n + GROUP_MAX - 2) / (GROUP_MAX - 1) : 1;
		for (int g = 0; g < groups && !no_pmu; g++) {
			int first = g * (GROUP_MAX - 1);
			int cnt = n - first < GROUP_MAX - 1 ? n - first : GROUP_MAX - 1;

			open_group(cs, s, tid, g, &res[VB_M_CYCLES], &w[first], cnt, &no_pmu);
		}
	}
	/* No PMU or no permission: every metric left gets the same reason, at no cost. */
	if (no_pmu && cs->nu) {
		struct vb_unavailable last = cs->u[cs->nu - 1];

		for (int i = 0; i < n; i++)
			if (!is_open(cs, w[i].name, s))
				unavailable(cs, w[i].name, s, last.cause, "%s", last.reason);
	}
out:
	if (w)
		munmap(w, sizeof(*w) * WANT_MAX);
	vb_metrics_resolved_free(rv);
}

void vb_counters_open(struct vb_counters *cs, enum vb_scope s, pid_t tid, const char *events)
{
	if (cs->set == VB_CSET_NONE)
		return;
	if (s == VB_SCOPE_PROCESS) {
		if (cs->set == VB_CSET_ALL)
			open_software(cs, tid);
		else
			cs->rusage = true;
	}
	if (cs->set >= VB_CSET_DEFAULT || (events && *events))
		open_pmu(cs, s, tid, events);
}

static void read_one(struct vb_counters *cs, struct vb_counter *c, uint64_t v[3])
{
	if (cs->be->read(c->fd, v) < 0)
		v[0] = c->val, v[1] = c->enabled, v[2] = c->running;
}

/*
 * The software counts without inherited counters: getrusage of this
 * process (every thread) and of its reaped children, plus /proc of the
 * children alive now (ctxswitch's partner process lives through the
 * samples and is reaped only at teardown). Taken outside the timed region.
 */
static void live_children(double *minflt, double *majflt, double *csw)
{
	char path[64], pid[32], line[256], *save;
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/children", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fscanf(f, "%31s", pid) == 1) {
			char file[96];
			FILE *st;
			unsigned long mi = 0, ma = 0;

			snprintf(file, sizeof(file), "/proc/%.20s/stat", pid);
			st = fopen(file, "r");
			/* Fields 10 and 12 (minflt, majflt), after the parenthesised name. */
			if (st && fgets(line, sizeof(line), st) && (save = strrchr(line, ')')) &&
			    sscanf(save + 2, "%*c %*d %*d %*d %*d %*d %*u %lu %*u %lu", &mi,
				   &ma) == 2) {
				*minflt += (double)mi;
				*majflt += (double)ma;
			}
			if (st)
				fclose(st);
			snprintf(file, sizeof(file), "/proc/%.20s/status", pid);
			st = fopen(file, "r");
			while (st && fgets(line, sizeof(line), st)) {
				unsigned long v;

				if (sscanf(line, "voluntary_ctxt_switches: %lu", &v) == 1 ||
				    sscanf(line, "nonvoluntary_ctxt_switches: %lu", &v) == 1)
					*csw += (double)v;
			}
			if (st)
				fclose(st);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
}

static void software_now(double v[3])
{
	struct rusage self, ch;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &ch);
	v[0] = (double)self.ru_minflt + (double)ch.ru_minflt;
	v[1] = (double)self.ru_majflt + (double)ch.ru_majflt;
	v[2] = (double)self.ru_nvcsw + (double)self.ru_nivcsw + (double)ch.ru_nvcsw +
	       (double)ch.ru_nivcsw;
	live_children(&v[0], &v[1], &v[2]);
}

void vb_counters_start(struct vb_counters *cs)
{
	if (cs->rusage)
		software_now(cs->sw0);
	for (int i = 0; i < cs->n; i++) {
		uint64_t v[3];

		read_one(cs, &cs->c[i], v);
		cs->c[i].val = v[0];
		cs->c[i].enabled = v[1];
		cs->c[i].running = v[2];
	}
}

void vb_counters_stop(struct vb_counters *cs)
{
	for (int i = 0; i < cs->n; i++) {
		struct vb_counter *c = &cs->c[i];
		uint64_t v[3], dv, den, drun;

		read_one(cs, c, v);
		dv = v[0] - c->val;
		den = v[1] - c->enabled;
		drun = v[2] - c->running;
		/* Multiplexed counters ran part of the time: scale up. */
		if (drun)
			c->total += (double)dv * vb_counter_scale(den, drun);
		c->enabled_sum += den;
		c->running_sum += drun;
		c->val = v[0];
		c->enabled = v[1];
		c->running = v[2];
	}
	if (cs->rusage) {
		double v[3];

		software_now(v);
		cs->minflt += v[0] - cs->sw0[0];
		cs->majflt += v[1] - cs->sw0[1];
		cs->csw += v[2] - cs->sw0[2];
	}
	cs->samples++;
}

void vb_counters_reset(struct vb_counters *cs)
{
	for (int i = 0; i < cs->n; i++) {
		cs->c[i].total = 0;
		cs->c[i].enabled_sum = cs->c[i].running_sum = 0;
	}
	cs->minflt = cs->majflt = cs->csw = 0;
	cs->samples = 0;
}

void vb_counters_close(struct vb_counters *cs)
{
	for (int i = 0; i < cs->n; i++)
		if (cs->c[i].fd >= 0)
			cs->be->close(cs->c[i].fd);
	free(cs->c);
	free(cs->u);
	cs->c = NULL;
	cs->u = NULL;
	cs->n = cs->cap = cs->nu = cs->capu = 0;
}

static json_t *count_json(const struct vb_counter *c)
{
	return c->running_sum ? json_integer((json_int_t)(c->total + 0.5)) : json_null();
}

void vb_counters_json(const struct vb_counters *cs, json_t *o)
{
	static const char never_ran[] =
		"never ran on a counter (time_running 0: the PMU had no room for its group)";
	json_t *sw = json_object(), *pmu = json_object(), *events = json_array();
	json_t *unav = json_array(), *fb = json_array();

	json_object_set_new(o, "set", json_string(vb_counter_set_name(cs->set)));
	if (cs->rusage && cs->samples) {
		json_object_set_new(sw, "minor_faults", json_integer((json_int_t)cs->minflt));
		json_object_set_new(sw, "major_faults", json_integer((json_int_t)cs->majflt));
		json_object_set_new(sw, "context_switches", json_integer((json_int_t)cs->csw));
		json_object_set_new(o, "software_source", json_string("getrusage"));
	}
	for (int i = 0; i < cs->n; i++) {
		const struct vb_counter *c = &cs->c[i];
		const char *side = vb_scope_side(c->scope);
		json_t *ev, *m;

		if (!c->pmu) {
			json_object_set_new(sw, c->name,
					    json_integer((json_int_t)(c->total + 0.5)));
			json_object_set_new(o, "software_source", json_string("perf_event"));
			continue;
		}
		m = json_object_get(pmu, side);
		if (!m) {
			m = json_object();
			json_object_set_new(pmu, side, m);
		}
		/* Summed over threads; the cycles of groups after the first repeat group 0's. */
		if (!c->repeat) {
			json_t *had = json_object_get(m, c->name);

			if (!had || (json_is_null(had) && c->running_sum))
				json_object_set_new(m, c->name, count_json(c));
			else if (c->running_sum)
				json_object_set_new(m, c->name,
						    json_integer(json_integer_value(had) +
								 (json_int_t)(c->total + 0.5)));
		}
		ev = json_pack("{s:s,s:s,s:s,s:i,s:b,s:o,s:I,s:I,s:f}", "side", side,
			       "name", c->name, "event", c->event, "group", c->group,
			       "leader", c->leader,
			       "value", count_json(c), "time_enabled", (json_int_t)c->enabled_sum,
			       "time_running", (json_int_t)c->running_sum,
			       "scale", vb_counter_scale(c->enabled_sum, c->running_sum));
		if (ev)
			json_array_append_new(events, ev);
		if (!c->running_sum && cs->samples)
			json_array_append_new(unav, json_pack("{s:s,s:s,s:s,s:s}", "metric",
							      c->name, "side", side, "cause",
							      "not-counted", "reason", never_ran));
	}
	for (int i = 0; i < cs->nu; i++)
		json_array_append_new(unav, json_pack("{s:s,s:s,s:s,s:s}", "metric",
						      cs->u[i].metric, "side",
						      vb_scope_side(cs->u[i].scope), "cause",
						      cs->u[i].cause, "reason", cs->u[i].reason));
	if (cs->fallbacks[0]) {
		char buf[512], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", cs->fallbacks);
		for (char *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save))
			json_array_append_new(fb, json_string(t + (*t == ' ')));
	}
	json_object_set_new(o, "software", sw);
	json_object_set_new(o, "pmu", pmu);
	json_object_set_new(o, "events", events);
	json_object_set_new(o, "unavailable", unav);
	json_object_set_new(o, "fallbacks", fb);
	if (cs->vpmu >= 0)
		json_object_set_new(o, "vpmu", json_boolean(cs->vpmu));
}

int vb_counters_check_events(const char *events, char *err, size_t errlen)
{
	char buf[1024], *save = NULL, why[256];
	struct perf_event_attr attr;

	if (!events || !*events)
		return 0;
	if (strlen(events) >= sizeof(buf))
		return vb_errf(err, errlen, "the list is longer than %zu characters",
			       sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", events);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (vb_metric_by_name(t) < 0 &&
		    vb_metrics_encode(t, &attr, NULL, 0, why, sizeof(why)) < 0)
			return vb_errf(err, errlen, "%s (vbench list events shows the metrics)",
				       why);
	return 0;
}
