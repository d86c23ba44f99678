/* pmu.c: libpfm4 resolves event names to perf_event_attr; perf_event_open
 * counts them from the host on the threads given (vCPU threads, benches). */
#include "harness/pmu.h"
#include "harness/modes.h"
#include "lib/error.h"

#include <dirent.h>
#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_once_t pfm_once = PTHREAD_ONCE_INIT;
static int pfm_status = PFM_ERR_NOINIT;

static void pfm_init_once(void)
{
	pfm_status = pfm_initialize();
}

int vb_pmu_init(char *err, size_t errlen)
{
	pthread_once(&pfm_once, pfm_init_once);
	if (pfm_status != PFM_SUCCESS)
		return vb_errf(err, errlen, "libpfm4 initialisation failed: %s", pfm_strerror(pfm_status));
	return 0;
}

/* The core PMU libpfm4 detected (or was forced to). Several can be present
 * (perf, perf_raw, uncore units); the core one is what walk events live on. */
static bool core_pmu(pfm_pmu_info_t *out)
{
	pfm_pmu_t p;

	if (vb_pmu_init(NULL, 0) < 0)
		return false;
	pfm_for_all_pmus(p) {
		memset(out, 0, sizeof(*out));
		out->size = sizeof(*out);
		if (pfm_get_pmu_info(p, out) != PFM_SUCCESS)
			continue;
		if (out->is_present && out->type == PFM_PMU_TYPE_CORE)
			return true;
	}
	return false;
}

const char *vb_pmu_name(void)
{
	pfm_pmu_info_t info;

	/* libpfm4's PMU names are static strings. */
	return core_pmu(&info) ? info.name : NULL;
}

static long sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group, unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

bool vb_pmu_present(char *reason, size_t len)
{
	struct perf_event_attr attr;
	char path[512];
	struct stat st;
	long fd;

	/* Hybrid Intel parts name their core PMUs cpu_core and cpu_atom. */
	snprintf(path, sizeof(path), "%s/sys/bus/event_source/devices/cpu", vb_sysfs_root());
	if (stat(path, &st) < 0) {
		snprintf(path, sizeof(path), "%s/sys/bus/event_source/devices/cpu_core", vb_sysfs_root());
		if (stat(path, &st) < 0) {
			snprintf(reason, len,
				 "no hardware PMU: /sys/bus/event_source/devices/cpu missing (perf_event_open of cycles fails)");
			return false;
		}
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.disabled = 1;
	fd = sys_perf_event_open(&attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(reason, len, "perf_event_open of cycles failed: %s%s", strerror(errno),
			 errno == EACCES || errno == EPERM ? " (check /proc/sys/kernel/perf_event_paranoid or run as root)" : "");
		return false;
	}
	close((int)fd);
	return true;
}

static int encode(const char *event, struct perf_event_attr *attr, char **fstr)
{
	pfm_perf_encode_arg_t arg;

	memset(attr, 0, sizeof(*attr));
	/* Tells libpfm4 how much of the attr it may fill: all of ours. */
	attr->size = sizeof(*attr);
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.attr = attr;
	arg.fstr = fstr;
	/* User and kernel: a page walk caused by the kernel's own accesses counts too. */
	return pfm_get_os_event_encoding(event, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
}

int vb_pmu_encode(const char *event, struct perf_event_attr *attr, char *fqname, size_t fqlen,
		  char *err, size_t errlen)
{
	const char *pmu;
	char *fstr = NULL;
	int ret;

	if (vb_pmu_init(err, errlen) < 0)
		return -1;
	pmu = vb_pmu_name();
	ret = encode(event, attr, &fstr);
	/* libpfm4 searches deprecated PMUs (amd64_fam17h) only for qualified names. */
	if (ret == PFM_ERR_NOTFOUND && pmu && !strstr(event, "::")) {
		char qualified[512];

		snprintf(qualified, sizeof(qualified), "%s::%s", pmu, event);
		ret = encode(qualified, attr, &fstr);
	}
	if (ret != PFM_SUCCESS)
		return vb_errf(err, errlen, "event '%s' does not resolve on PMU %s: %s", event,
			       pmu ? pmu : "(none)", pfm_strerror(ret));
	/* libpfm4 excludes guest mode by default; the walks of a vCPU thread
	 * happen in guest mode, so count them unless the name says otherwise. */
	if (!strstr(event, ":mg="))
		attr->exclude_guest = 0;
	if (fqname)
		snprintf(fqname, fqlen, "%s", fstr ? fstr : event);
	free(fstr);
	return 0;
}

/*
 * Walk events. Intel names them the same way from Skylake on (older cores
 * had WALK_DURATION instead of WALK_ACTIVE/PENDING; EPT.* exists on some
 * server and client parts only). AMD Zen has no walk-cycle event in
 * libpfm4: L1 DTLB misses that also miss the L2 TLB are the walks, by page
 * size; Zen1 also counts table walker allocations.
 */
static const struct vb_pmu_walk_event intel_walk[] = {
	{ "walk_active", "DTLB_LOAD_MISSES:WALK_ACTIVE", "cycles with at least one load page walk in progress" },
	{ "walk_pending", "DTLB_LOAD_MISSES:WALK_PENDING", "load page walks in progress, summed per cycle" },
	{ "walk_duration", "DTLB_LOAD_MISSES:WALK_DURATION", "cycles of load page walks (older cores)" },
	{ "walks", "DTLB_LOAD_MISSES:WALK_COMPLETED", "completed load page walks, any page size" },
	{ "walks_4k", "DTLB_LOAD_MISSES:WALK_COMPLETED_4K", "completed load page walks ending in a 4K page" },
	{ "walks_2m", "DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M", "completed load page walks ending in a 2M page" },
	{ "walks_1g", "DTLB_LOAD_MISSES:WALK_COMPLETED_1G", "completed load page walks ending in a 1G page" },
	{ "stlb_hits", "DTLB_LOAD_MISSES:STLB_HIT", "load DTLB misses that hit the second-level TLB" },
	{ "store_walks", "DTLB_STORE_MISSES:WALK_COMPLETED", "completed store page walks" },
	{ "ept_walk_cycles", "EPT:WALK_PENDING", "EPT (guest-physical) walks in progress, summed per cycle" },
	{ "ept_walk_cycles", "EPT:WALK_DURATION", "cycles of EPT (guest-physical) walks" },
	{ "ept_walk_cycles", "EPT:WALK_CYCLES", "cycles of EPT (guest-physical) walks (older cores)" },
};

static const struct vb_pmu_walk_event amd_walk[] = {
	{ "dtlb_misses", "L1_DTLB_MISS:TLB_RELOAD_4K_L2_HIT:TLB_RELOAD_2M_L2_HIT:TLB_RELOAD_1G_L2_HIT:"
			 "TLB_RELOAD_COALESCED_PAGE_HIT:TLB_RELOAD_4K_L2_MISS:TLB_RELOAD_2M_L2_MISS:"
			 "TLB_RELOAD_1G_L2_MISS:TLB_RELOAD_COALESCED_PAGE_MISS",
	  "L1 DTLB misses, any page size" },
	{ "walks", "L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS:TLB_RELOAD_2M_L2_MISS:TLB_RELOAD_1G_L2_MISS:"
		   "TLB_RELOAD_COALESCED_PAGE_MISS",
	  "L2 TLB misses (each one a page walk), any page size" },
	{ "walks_4k", "L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS", "L2 TLB misses reloaded with a 4K page" },
	{ "walks_4k_coalesced", "L1_DTLB_MISS:TLB_RELOAD_COALESCED_PAGE_MISS",
	  "L2 TLB misses reloaded with a coalesced (16K) page" },
	{ "walks_2m", "L1_DTLB_MISS:TLB_RELOAD_2M_L2_MISS", "L2 TLB misses reloaded with a 2M page" },
	{ "walks_1g", "L1_DTLB_MISS:TLB_RELOAD_1G_L2_MISS", "L2 TLB misses reloaded with a 1G page" },
	{ "stlb_hits", "L1_DTLB_MISS:TLB_RELOAD_4K_L2_HIT:TLB_RELOAD_2M_L2_HIT:TLB_RELOAD_1G_L2_HIT:"
		       "TLB_RELOAD_COALESCED_PAGE_HIT",
	  "L1 DTLB misses that hit the L2 TLB" },
	{ "tablewalker_allocs", "TABLEWALKER_ALLOCATION:ALLOC_DSIDE0:ALLOC_DSIDE1",
	  "data-side table walker allocations (Zen1)" },
};

#define ARRAY_SIZE(a) (int)(sizeof(a) / sizeof((a)[0]))

const struct vb_pmu_walk_event *vb_pmu_walk_candidates(int *n)
{
	pfm_pmu_info_t info;

	*n = 0;
	if (!core_pmu(&info))
		return NULL;
	/* libpfm4's descriptions start with the vendor: "Intel Skylake", "AMD64 Fam17h Zen1". */
	if (!strncmp(info.desc, "AMD64", 5)) {
		*n = ARRAY_SIZE(amd_walk);
		return amd_walk;
	}
	if (!strncmp(info.desc, "Intel", 5)) {
		*n = ARRAY_SIZE(intel_walk);
		return intel_walk;
	}
	return NULL;
}

int vb_pmu_walk_resolve(const struct vb_pmu_walk_event **out, int max)
{
	struct perf_event_attr attr, seen[64];
	const struct vb_pmu_walk_event *c;
	int n, found = 0;

	c = vb_pmu_walk_candidates(&n);
	for (int i = 0; i < n && found < max && found < 64; i++) {
		bool dup = false;

		if (vb_pmu_encode(c[i].event, &attr, NULL, 0, NULL, 0) < 0)
			continue;
		/* The first candidate of a key wins; libpfm4 aliases (skl's
		 * WALK_PENDING is WALK_DURATION) would count the same thing twice. */
		for (int j = 0; j < found && !dup; j++)
			dup = !strcmp(out[j]->key, c[i].key) ||
			      (seen[j].type == attr.type && seen[j].config == attr.config &&
			       seen[j].config1 == attr.config1);
		if (dup)
			continue;
		seen[found] = attr;
		out[found++] = &c[i];
	}
	return found;
}

struct vb_pmu_group {
	int nevents, ntids;
	char **names;
	int *fds;		/* nevents x ntids, event-major */
};

void vb_pmu_group_close(struct vb_pmu_group *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->nevents * g->ntids; i++)
		if (g->fds[i] >= 0)
			close(g->fds[i]);
	for (int i = 0; i < g->nevents; i++)
		free(g->names[i]);
	free(g->names);
	free(g->fds);
	free(g);
}

/*
 * Each event is opened on its own, not as one perf group: the walk tables
 * hold more events than a core has counters, and a group that does not fit
 * never counts. The kernel multiplexes instead and read() scales back.
 */
int vb_pmu_group_open(struct vb_pmu_group **out, const char *const *events, int nevents,
		      const pid_t *tids, int ntids, char *err, size_t errlen)
{
	struct vb_pmu_group *g;
	char reason[256];

	*out = NULL;
	if (nevents <= 0 || ntids <= 0)
		return vb_errf(err, errlen, "pmu: no events or no threads to count");
	g = calloc(1, sizeof(*g));
	if (!g)
		return vb_errf(err, errlen, "pmu: out of memory");
	g->names = calloc((size_t)nevents, sizeof(*g->names));
	g->fds = malloc(sizeof(*g->fds) * (size_t)nevents * (size_t)ntids);
	if (!g->names || !g->fds) {
		vb_pmu_group_close(g);
		return vb_errf(err, errlen, "pmu: out of memory");
	}
	g->nevents = nevents;
	g->ntids = ntids;
	for (int i = 0; i < nevents * ntids; i++)
		g->fds[i] = -1;
	for (int e = 0; e < nevents; e++) {
		struct perf_event_attr attr;

		g->names[e] = strdup(events[e]);
		if (!g->names[e] || vb_pmu_encode(events[e], &attr, NULL, 0, err, errlen) < 0) {
			vb_pmu_group_close(g);
			return -1;
		}
		attr.disabled = 1;
		attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
		for (int t = 0; t < ntids; t++) {
			long fd = sys_perf_event_open(&attr, tids[t], -1, -1, PERF_FLAG_FD_CLOEXEC);
			int saved = errno;

			if (fd >= 0) {
				g->fds[e * ntids + t] = (int)fd;
				continue;
			}
			/* Say why in the host's terms, the most useful being "there is no PMU". */
			if (attr.type != PERF_TYPE_SOFTWARE && !vb_pmu_present(reason, sizeof(reason)))
				vb_errf(err, errlen, "perf_event_open of '%s' on thread %d failed: %s; %s",
					events[e], (int)tids[t], strerror(saved), reason);
			else
				vb_errf(err, errlen, "perf_event_open of '%s' on thread %d failed: %s", events[e],
					(int)tids[t], strerror(saved));
			vb_pmu_group_close(g);
			return -1;
		}
	}
	*out = g;
	return 0;
}

int vb_pmu_group_open_pid(struct vb_pmu_group **out, const char *const *events, int nevents,
			  pid_t pid, char *err, size_t errlen)
{
	char path[64];
	pid_t *tids = NULL;
	int ntids = 0, cap = 0, ret;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return vb_errf(err, errlen, "pmu: cannot list threads of pid %d: %s: %s", (int)pid, path,
			       strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (ntids == cap) {
			pid_t *n = realloc(tids, sizeof(*tids) * (size_t)(cap = cap ? cap * 2 : 16));

			if (!n) {
				closedir(d);
				free(tids);
				return vb_errf(err, errlen, "pmu: out of memory");
			}
			tids = n;
		}
		tids[ntids++] = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	ret = vb_pmu_group_open(out, events, nevents, tids, ntids, err, errlen);
	free(tids);
	return ret;
}

static int ioctl_all(struct vb_pmu_group *g, unsigned long req, const char *what, char *err, size_t errlen)
{
	for (int i = 0; i < g->nevents * g->ntids; i++)
		if (ioctl(g->fds[i], req, 0) < 0)
			return vb_errf(err, errlen, "pmu: %s of '%s' failed: %s", what, g->names[i / g->ntids],
				       strerror(errno));
	return 0;
}

int vb_pmu_group_enable(struct vb_pmu_group *g, char *err, size_t errlen)
{
	if (ioctl_all(g, PERF_EVENT_IOC_RESET, "reset", err, errlen) < 0)
		return -1;
	return ioctl_all(g, PERF_EVENT_IOC_ENABLE, "enable", err, errlen);
}

int vb_pmu_group_disable(struct vb_pmu_group *g, char *err, size_t errlen)
{
	return ioctl_all(g, PERF_EVENT_IOC_DISABLE, "disable", err, errlen);
}

int vb_pmu_group_read(struct vb_pmu_group *g, uint64_t *deltas, int n, char *err, size_t errlen)
{
	if (n < g->nevents)
		return vb_errf(err, errlen, "pmu: read wants room for %d counts, got %d", g->nevents, n);
	for (int e = 0; e < g->nevents; e++) {
		double sum = 0;

		for (int t = 0; t < g->ntids; t++) {
			uint64_t v[3];	/* value, time enabled, time running */
			ssize_t r = read(g->fds[e * g->ntids + t], v, sizeof(v));

			if (r != (ssize_t)sizeof(v))
				return vb_errf(err, errlen, "pmu: read of '%s' failed: %s", g->names[e],
					       r < 0 ? strerror(errno) : "short read");
			/* A thread that exited keeps its count; one never scheduled adds 0. */
			if (v[2] > 0)
				sum += (double)v[0] * ((double)v[1] / (double)v[2]);
		}
		deltas[e] = (uint64_t)(sum + 0.5);
	}
	return 0;
}

int vb_pmu_group_nevents(const struct vb_pmu_group *g)
{
	return g->nevents;
}

const char *vb_pmu_group_event(const struct vb_pmu_group *g, int i)
{
	return i >= 0 && i < g->nevents ? g->names[i] : NULL;
}
