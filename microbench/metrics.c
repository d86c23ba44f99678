/* metrics.c: vbench's PMU metrics, resolved per microarchitecture through
 * libpfm4's own event tables (no encodings are written here), and the walk
 * metrics derived from their counts. */
#include "microbench/metrics.h"
#include "lib/error.h"

#include <errno.h>
#include <math.h>
#include <perfmon/pfmlib_perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (int)(sizeof(a) / sizeof((a)[0]))

const struct vb_metric_def vb_metric_defs[VB_M_COUNT] = {
	[VB_M_CYCLES] = { "cycles", "core cycles, unhalted", true },
	[VB_M_INSTRUCTIONS] = { "instructions", "instructions retired", true },
	[VB_M_LOADS] = { "loads", "loads retired (AMD: load ops dispatched)", true },
	[VB_M_LOAD_WALK_CYCLES] = { "load_walk_cycles",
		"cycles with a load page walk in progress", true },
	[VB_M_STORE_WALK_CYCLES] = { "store_walk_cycles",
		"cycles with a store page walk in progress", true },
	[VB_M_FETCH_WALK_CYCLES] = { "fetch_walk_cycles",
		"cycles with an instruction-fetch page walk in progress", false },
	[VB_M_LOAD_WALKS_4K] = { "load_walks_4k",
		"completed load walks ending in a 4K page", true },
	[VB_M_LOAD_WALKS_2M] = { "load_walks_2m",
		"completed load walks ending in a 2M/4M page", true },
	[VB_M_LOAD_WALKS_1G] = { "load_walks_1g",
		"completed load walks ending in a 1G page", true },
	[VB_M_STORE_WALKS_4K] = { "store_walks_4k",
		"completed store walks ending in a 4K page", false },
	[VB_M_STORE_WALKS_2M] = { "store_walks_2m",
		"completed store walks ending in a 2M/4M page", false },
	[VB_M_STORE_WALKS_1G] = { "store_walks_1g",
		"completed store walks ending in a 1G page", false },
	[VB_M_FETCH_WALKS_4K] = { "fetch_walks_4k",
		"completed fetch walks ending in a 4K page", false },
	[VB_M_FETCH_WALKS_2M] = { "fetch_walks_2m",
		"completed fetch walks ending in a 2M/4M page", false },
	[VB_M_FETCH_WALKS_1G] = { "fetch_walks_1g",
		"completed fetch walks ending in a 1G page", false },
	[VB_M_LOAD_STLB_HITS] = { "load_stlb_hits", "load DTLB misses that hit the STLB", false },
	[VB_M_STORE_STLB_HITS] = { "store_stlb_hits",
		"store DTLB misses that hit the STLB", false },
	[VB_M_EPT_WALK_CYCLES] = { "ept_walk_cycles",
		"cycles of EPT (guest-physical) walks", true },
	[VB_M_EPT_WALKER_MEM_LOADS] = { "ept_walker_mem_loads",
		"EPT walker loads of data-side walks served by memory", false },
	[VB_M_L1_DTLB_MISSES] = { "l1_dtlb_misses", "L1 DTLB misses, any page size", false },
	[VB_M_L2_TLB_HITS] = { "l2_tlb_hits", "L1 DTLB misses that hit the L2 TLB", false },
	[VB_M_DATA_WALKS_4K] = { "data_walks_4k",
		"L2 DTLB misses (walks) reloading a 4K page", true },
	[VB_M_DATA_WALKS_COALESCED] = { "data_walks_coalesced",
		"L2 DTLB misses (walks) reloading a coalesced 16K page", true },
	[VB_M_DATA_WALKS_2M] = { "data_walks_2m",
		"L2 DTLB misses (walks) reloading a 2M page", true },
	[VB_M_DATA_WALKS_1G] = { "data_walks_1g",
		"L2 DTLB misses (walks) reloading a 1G page", true },
	[VB_M_TABLEWALKER_ALLOCS] = { "tablewalker_allocs",
		"data-side table walker allocations", false },
	[VB_M_L2_TLB_REFILLS] = { "l2_tlb_refills",
		"L2 (unified) TLB refills, data and instruction side, any page size", false },
	[VB_M_DATA_WALKS] = { "data_walks", "data accesses that caused a page walk, any page size",
		true },
	[VB_M_FETCH_WALKS] = { "fetch_walks",
		"instruction fetches that caused a page walk, any page size", false },
};

int vb_metric_by_name(const char *name)
{
	for (int i = 0; i < VB_M_COUNT; i++)
		if (!strcmp(vb_metric_defs[i].name, name))
			return i;
	return -1;
}

/*
 * The tables: for each metric, libpfm4 event names to try in order. A
 * metric a table leaves out is "not on <pmu>". Haswell has WALK_DURATION
 * where later cores have WALK_ACTIVE (cycles with a walk; WALK_PENDING
 * sums walks per cycle); the EPT event exists on Haswell to Cascade Lake
 * only. AMD has no walk-cycle event in libpfm4: an L1 DTLB miss that also
 * misses the L2 TLB is a walk, counted by the page size it reloads.
 */
struct cand {
	enum vb_metric m;
	const char *ev[3];
};

/* What every Intel table from Haswell on has, under the same names. */
#define INTEL_COMMON \
	{ VB_M_CYCLES, { "UNHALTED_CORE_CYCLES" } }, \
	{ VB_M_INSTRUCTIONS, { "INSTRUCTION_RETIRED" } }, \
	{ VB_M_LOAD_WALKS_4K, { "DTLB_LOAD_MISSES:WALK_COMPLETED_4K" } }, \
	{ VB_M_LOAD_WALKS_2M, { "DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M" } }, \
	{ VB_M_STORE_WALKS_4K, { "DTLB_STORE_MISSES:WALK_COMPLETED_4K" } }, \
	{ VB_M_STORE_WALKS_2M, { "DTLB_STORE_MISSES:WALK_COMPLETED_2M_4M" } }, \
	{ VB_M_FETCH_WALKS_4K, { "ITLB_MISSES:WALK_COMPLETED_4K" } }, \
	{ VB_M_FETCH_WALKS_2M, { "ITLB_MISSES:WALK_COMPLETED_2M_4M" } }, \
	{ VB_M_LOAD_STLB_HITS, { "DTLB_LOAD_MISSES:STLB_HIT" } }, \
	{ VB_M_STORE_STLB_HITS, { "DTLB_STORE_MISSES:STLB_HIT" } }

static const struct cand hsw[] = {
	INTEL_COMMON,
	{ VB_M_LOADS, { "MEM_UOPS_RETIRED:ALL_LOADS" } },
	{ VB_M_LOAD_WALK_CYCLES, { "DTLB_LOAD_MISSES:WALK_DURATION" } },
	{ VB_M_STORE_WALK_CYCLES, { "DTLB_STORE_MISSES:WALK_DURATION" } },
	{ VB_M_FETCH_WALK_CYCLES, { "ITLB_MISSES:WALK_DURATION" } },
	{ VB_M_EPT_WALK_CYCLES, { "EPT:WALK_CYCLES" } },
	{ VB_M_EPT_WALKER_MEM_LOADS, { "PAGE_WALKER_LOADS:EPT_DTLB_MEMORY" } },
};

static const struct cand skl[] = {
	INTEL_COMMON,
	{ VB_M_LOADS, { "MEM_INST_RETIRED:ALL_LOADS", "MEM_UOPS_RETIRED:ALL_LOADS" } },
	{ VB_M_LOAD_WALK_CYCLES, { "DTLB_LOAD_MISSES:WALK_ACTIVE",
				   "DTLB_LOAD_MISSES:WALK_DURATION" } },
	{ VB_M_STORE_WALK_CYCLES, { "DTLB_STORE_MISSES:WALK_ACTIVE",
				    "DTLB_STORE_MISSES:WALK_DURATION" } },
	{ VB_M_FETCH_WALK_CYCLES, { "ITLB_MISSES:WALK_ACTIVE", "ITLB_MISSES:WALK_DURATION" } },
	{ VB_M_LOAD_WALKS_1G, { "DTLB_LOAD_MISSES:WALK_COMPLETED_1G" } },
	{ VB_M_STORE_WALKS_1G, { "DTLB_STORE_MISSES:WALK_COMPLETED_1G" } },
	{ VB_M_FETCH_WALKS_1G, { "ITLB_MISSES:WALK_COMPLETED_1G" } },
	{ VB_M_EPT_WALK_CYCLES, { "EPT:WALK_PENDING", "EPT:WALK_DURATION" } },
};

/* Ice Lake: no 1G walk counts, no EPT event in libpfm4. */
static const struct cand icl[] = {
	INTEL_COMMON,
	{ VB_M_LOADS, { "MEM_INST_RETIRED:ALL_LOADS" } },
	{ VB_M_LOAD_WALK_CYCLES, { "DTLB_LOAD_MISSES:WALK_ACTIVE" } },
	{ VB_M_STORE_WALK_CYCLES, { "DTLB_STORE_MISSES:WALK_ACTIVE" } },
	{ VB_M_FETCH_WALK_CYCLES, { "ITLB_MISSES:WALK_ACTIVE" } },
};

/* Sapphire Rapids: 1G walk counts for loads and stores again, no EPT event. */
static const struct cand spr[] = {
	INTEL_COMMON,
	{ VB_M_LOADS, { "MEM_INST_RETIRED:ALL_LOADS" } },
	{ VB_M_LOAD_WALK_CYCLES, { "DTLB_LOAD_MISSES:WALK_ACTIVE" } },
	{ VB_M_STORE_WALK_CYCLES, { "DTLB_STORE_MISSES:WALK_ACTIVE" } },
	{ VB_M_FETCH_WALK_CYCLES, { "ITLB_MISSES:WALK_ACTIVE" } },
	{ VB_M_LOAD_WALKS_1G, { "DTLB_LOAD_MISSES:WALK_COMPLETED_1G" } },
	{ VB_M_STORE_WALKS_1G, { "DTLB_STORE_MISSES:WALK_COMPLETED_1G" } },
};

#define ZEN_COMMON \
	{ VB_M_CYCLES, { "CYCLES_NOT_IN_HALT" } }, \
	{ VB_M_INSTRUCTIONS, { "RETIRED_INSTRUCTIONS" } }, \
	{ VB_M_LOADS, { "LS_DISPATCH:LD_DISPATCH" } }, \
	{ VB_M_L1_DTLB_MISSES, { "L1_DTLB_MISS:TLB_RELOAD_4K_L2_HIT:TLB_RELOAD_2M_L2_HIT:" \
				 "TLB_RELOAD_1G_L2_HIT:TLB_RELOAD_COALESCED_PAGE_HIT:" \
				 "TLB_RELOAD_4K_L2_MISS:TLB_RELOAD_2M_L2_MISS:" \
				 "TLB_RELOAD_1G_L2_MISS:TLB_RELOAD_COALESCED_PAGE_MISS" } }, \
	{ VB_M_L2_TLB_HITS, { "L1_DTLB_MISS:TLB_RELOAD_4K_L2_HIT:TLB_RELOAD_2M_L2_HIT:" \
			      "TLB_RELOAD_1G_L2_HIT:TLB_RELOAD_COALESCED_PAGE_HIT" } }, \
	{ VB_M_DATA_WALKS_4K, { "L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS" } }, \
	{ VB_M_DATA_WALKS_COALESCED, { "L1_DTLB_MISS:TLB_RELOAD_COALESCED_PAGE_MISS" } }, \
	{ VB_M_DATA_WALKS_2M, { "L1_DTLB_MISS:TLB_RELOAD_2M_L2_MISS" } }, \
	{ VB_M_DATA_WALKS_1G, { "L1_DTLB_MISS:TLB_RELOAD_1G_L2_MISS" } }, \
	{ VB_M_FETCH_WALKS_4K, { "L1_ITLB_MISS_L2_ITLB_MISS:IF4K" } }, \
	{ VB_M_FETCH_WALKS_2M, { "L1_ITLB_MISS_L2_ITLB_MISS:IF2M" } }, \
	{ VB_M_FETCH_WALKS_1G, { "L1_ITLB_MISS_L2_ITLB_MISS:IF1G" } }

static const struct cand zen1[] = {
	ZEN_COMMON,
	{ VB_M_TABLEWALKER_ALLOCS, { "TABLEWALKER_ALLOCATION:ALLOC_DSIDE0:ALLOC_DSIDE1" } },
};

static const struct cand zen[] = {
	ZEN_COMMON,
};

/*
 * ARMv8 and ARMv9 cores: the architected common events (Arm ARM, D11.11),
 * under the same names in each of libpfm4's tables (pfmlib_arm_armv8.c,
 * pfmlib_arm_armv9.c). A walk is DTLB_WALK/ITLB_WALK, with no page size and
 * no cycle count: the derived walk count comes from them, the walk mix and
 * walk cycles do not exist there. Cortex-A53, A57 and X-Gene have only the
 * L1 refill in libpfm4's tables; A64FX and ThunderX2 the L2 refill too.
 * Loads: LD_RETIRED where the core counts it, else MEM_ACCESS_RD (reads).
 */
#define ARM_COMMON \
	{ VB_M_CYCLES, { "CPU_CYCLES" } }, \
	{ VB_M_INSTRUCTIONS, { "INST_RETIRED" } }, \
	{ VB_M_L1_DTLB_MISSES, { "L1D_TLB_REFILL" } }

static const struct cand arm_walks[] = {
	ARM_COMMON,
	{ VB_M_LOADS, { "LD_RETIRED", "MEM_ACCESS_RD" } },
	{ VB_M_L2_TLB_REFILLS, { "L2D_TLB_REFILL" } },
	{ VB_M_DATA_WALKS, { "DTLB_WALK" } },
	{ VB_M_FETCH_WALKS, { "ITLB_WALK" } },
};

static const struct cand arm_l2[] = {
	ARM_COMMON,
	{ VB_M_LOADS, { "LD_RETIRED", "MEM_ACCESS_RD" } },
	{ VB_M_L2_TLB_REFILLS, { "L2D_TLB_REFILL" } },
};

static const struct cand arm_l1[] = {
	ARM_COMMON,
	{ VB_M_LOADS, { "LD_RETIRED" } },
};

static const struct pmu_table {
	const char *pmu;	/* libpfm4's PMU name */
	const char *table;	/* the table it shares */
	const struct cand *c;
	int n;
} tables[] = {
	{ "hsw", "hsw", hsw, ARRAY_SIZE(hsw) },
	{ "hsw_ep", "hsw", hsw, ARRAY_SIZE(hsw) },
	{ "bdw", "hsw", hsw, ARRAY_SIZE(hsw) },
	{ "bdw_ep", "hsw", hsw, ARRAY_SIZE(hsw) },
	{ "skl", "skl", skl, ARRAY_SIZE(skl) },
	{ "skx", "skl", skl, ARRAY_SIZE(skl) },
	{ "clx", "skl", skl, ARRAY_SIZE(skl) },
	{ "icl", "icl", icl, ARRAY_SIZE(icl) },
	{ "icx", "icl", icl, ARRAY_SIZE(icl) },
	{ "spr", "spr", spr, ARRAY_SIZE(spr) },
	{ "amd64_fam17h", "zen1", zen1, ARRAY_SIZE(zen1) },
	{ "amd64_fam17h_zen1", "zen1", zen1, ARRAY_SIZE(zen1) },
	{ "amd64_fam17h_zen2", "zen", zen, ARRAY_SIZE(zen) },
	{ "amd64_fam19h_zen3", "zen", zen, ARRAY_SIZE(zen) },
	{ "amd64_fam19h_zen4", "zen", zen, ARRAY_SIZE(zen) },
	{ "arm_n1", "arm_walks", arm_walks, ARRAY_SIZE(arm_walks) },
	{ "arm_n2", "arm_walks", arm_walks, ARRAY_SIZE(arm_walks) },
	{ "arm_n3", "arm_walks", arm_walks, ARRAY_SIZE(arm_walks) },
	{ "arm_v1", "arm_walks", arm_walks, ARRAY_SIZE(arm_walks) },
	{ "arm_v2", "arm_walks", arm_walks, ARRAY_SIZE(arm_walks) },
	{ "arm_v3", "arm_walks", arm_walks, ARRAY_SIZE(arm_walks) },
	{ "arm_ac55", "arm_walks", arm_walks, ARRAY_SIZE(arm_walks) },
	{ "arm_ac76", "arm_walks", arm_walks, ARRAY_SIZE(arm_walks) },
	{ "arm_kunpeng", "arm_walks", arm_walks, ARRAY_SIZE(arm_walks) },
	{ "arm_a64fx", "arm_l2", arm_l2, ARRAY_SIZE(arm_l2) },
	{ "arm_thunderx2", "arm_l2", arm_l2, ARRAY_SIZE(arm_l2) },
	{ "arm_ac53", "arm_l1", arm_l1, ARRAY_SIZE(arm_l1) },
	{ "arm_ac57", "arm_l1", arm_l1, ARRAY_SIZE(arm_l1) },
	{ "arm_ac72", "arm_l1", arm_l1, ARRAY_SIZE(arm_l1) },
	{ "arm_xgene", "arm_l1", arm_l1, ARRAY_SIZE(arm_l1) },
};

static const char *const known_pmus[] = {
	"hsw",
	"hsw_ep",
	"bdw",
	"bdw_ep",
	"skl",
	"skx",
	"clx",
	"icl",
	"icx",
	"spr",
	"amd64_fam17h",
	"amd64_fam17h_zen1",
	"amd64_fam17h_zen2",
	"amd64_fam19h_zen3",
	"amd64_fam19h_zen4",
	"arm_n1",
	"arm_n2",
	"arm_n3",
	"arm_v1",
	"arm_v2",
	"arm_v3",
	"arm_ac55",
	"arm_ac76",
	"arm_kunpeng",
	"arm_a64fx",
	"arm_thunderx2",
	"arm_ac53",
	"arm_ac57",
	"arm_ac72",
	"arm_xgene",
	NULL,
};

_Static_assert(ARRAY_SIZE(known_pmus) == ARRAY_SIZE(tables) + 1, "known_pmus mirrors tables");

const char *const *vb_metrics_known_pmus(void)
{
	return known_pmus;
}

static const struct pmu_table *table_of(const char *pmu)
{
	for (int i = 0; pmu && i < ARRAY_SIZE(tables); i++)
		if (!strcmp(tables[i].pmu, pmu))
			return &tables[i];
	return NULL;
}

const char *vb_metrics_table(const char *pmu)
{
	const struct pmu_table *t = table_of(pmu);

	return t ? t->table : NULL;
}

static pthread_mutex_t pfm_lock = PTHREAD_MUTEX_INITIALIZER;
static int pfm_status = PFM_ERR_NOINIT;
static bool pfm_done;

int vb_metrics_init(char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&pfm_lock);
	if (!pfm_done) {
		pfm_status = pfm_initialize();
		pfm_done = true;
	}
	rc = pfm_status;
	pthread_mutex_unlock(&pfm_lock);
	if (rc != PFM_SUCCESS)
		return vb_errf(err, errlen, "libpfm4 initialisation failed: %s", pfm_strerror(rc));
	return 0;
}

static void known_list(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; known_pmus[i] && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
					 known_pmus[i]);
}

int vb_metrics_force_pmu(const char *name, char *err, size_t errlen)
{
	char known[512];
	const char *got;

	known_list(known, sizeof(known));
	if (!table_of(name))
		return vb_errf(err, errlen, "unknown PMU '%s': vbench has tables for %s", name,
			       known);
	pthread_mutex_lock(&pfm_lock);
	if (pfm_done)
		pfm_terminate();
	setenv("LIBPFM_FORCE_PMU", name, 1);
	pfm_status = pfm_initialize();
	pfm_done = true;
	pthread_mutex_unlock(&pfm_lock);
	if (pfm_status != PFM_SUCCESS)
		return vb_errf(err, errlen, "libpfm4 initialisation for PMU %s failed: %s", name,
			       pfm_strerror(pfm_status));
	got = vb_metrics_pmu();
	if (!got || strcmp(got, name))
		return vb_errf(err, errlen, "libpfm4 did not take PMU %s (it has %s): a libpfm4 "
			       "holds its own architecture's PMUs only", name, got ? got : "none");
	return 0;
}

const char *vb_metrics_pmu(void)
{
	pfm_pmu_info_t info;
	int p;

	if (vb_metrics_init(NULL, 0) < 0)
		return NULL;
	/* Several PMUs can be present (perf, uncore units); walks live on the core one. */
	pfm_for_all_pmus(p) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(p, &info) == PFM_SUCCESS && info.is_present &&
		    info.type == PFM_PMU_TYPE_CORE)
			return info.name;	/* libpfm4's static string */
	}
	return NULL;
}

static int encode(const char *event, struct perf_event_attr *attr, char **fstr)
{
	pfm_perf_encode_arg_t arg;

	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);	/* how much of the attr libpfm4 may fill: all of ours */
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.attr = attr;
	arg.fstr = fstr;
	/* User and kernel: a walk caused by the kernel's own accesses counts too. */
	return pfm_get_os_event_encoding(event, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
}

/* Remove ":mod=value" from a libpfm4 event string. */
static void drop_modifier(char *s, const char *mod)
{
	char *at = strstr(s, mod), *end;

	if (!at)
		return;
	end = strchr(at + 1, ':');
	if (end)
		memmove(at, end, strlen(end) + 1);
	else
		*at = 0;
}

int vb_metrics_encode(const char *event, struct perf_event_attr *attr, char *fqname, size_t fqlen,
		      char *err, size_t errlen)
{
	const char *pmu;
	char *fstr = NULL;
	int ret;

	if (vb_metrics_init(err, errlen) < 0)
		return -1;
	pmu = vb_metrics_pmu();
	ret = encode(event, attr, &fstr);
	/* libpfm4 searches deprecated PMUs (amd64_fam17h) only for qualified names. */
	if (ret == PFM_ERR_NOTFOUND && pmu && !strstr(event, "::")) {
		char qualified[512];

		free(fstr);
		fstr = NULL;
		snprintf(qualified, sizeof(qualified), "%s::%s", pmu, event);
		ret = encode(qualified, attr, &fstr);
	}
	if (ret != PFM_SUCCESS) {
		free(fstr);
		return vb_errf(err, errlen, "event '%s' does not resolve on PMU %s: %s", event,
			       pmu ? pmu : "(none)", pfm_strerror(ret));
	}
	/* libpfm4 excludes guest mode by default; the scope decides (counters.c). */
	attr->exclude_guest = 0;
	if (fqname) {
		snprintf(fqname, fqlen, "%s", fstr ? fstr : event);
		/* libpfm4's guest/host modifiers are its defaults, not what is counted. */
		drop_modifier(fqname, ":mg=");
		drop_modifier(fqname, ":mh=");
	}
	free(fstr);
	return 0;
}

void vb_metrics_resolve(struct vb_metric_res out[VB_M_COUNT])
{
	const char *pmu = vb_metrics_pmu();
	const struct pmu_table *t = table_of(pmu);

	memset(out, 0, sizeof(*out) * VB_M_COUNT);
	for (int m = 0; m < VB_M_COUNT; m++) {
		const struct cand *c = NULL;
		char tried[256] = "";

		for (int i = 0; t && i < t->n && !c; i++)
			if (t->c[i].m == (enum vb_metric)m)
				c = &t->c[i];
		if (!pmu) {
			snprintf(out[m].why, sizeof(out[m].why),
				 "libpfm4 knows no core PMU on this CPU");
			continue;
		}
		if (!t) {
			snprintf(out[m].why, sizeof(out[m].why),
				 "not on %s: vbench has no metric table for this PMU", pmu);
			continue;
		}
		if (!c) {
			snprintf(out[m].why, sizeof(out[m].why), "not on %s", pmu);
			continue;
		}
		for (int i = 0; i < 3 && c->ev[i] && !out[m].ok; i++) {
			size_t used = strlen(tried);

			if (vb_metrics_encode(c->ev[i], &out[m].attr, out[m].fqname,
					      sizeof(out[m].fqname), NULL, 0) == 0) {
				out[m].ok = true;
				snprintf(out[m].event, sizeof(out[m].event), "%s", c->ev[i]);
			} else {
				snprintf(tried + used, sizeof(tried) - used, "%s%s",
					 used ? ", " : "", c->ev[i]);
			}
		}
		if (!out[m].ok)
			snprintf(out[m].why, sizeof(out[m].why),
				 "not on %s: libpfm4 resolves none of %s", pmu, tried);
	}
}

/* What vb_metrics_resolve_all promises, in whichever process runs it. */
static void resolve_into(struct vb_metrics_resolved *r, const char *events)
{
	char buf[1024], *save = NULL;

	r->init_rc = vb_metrics_init(r->init_err, sizeof(r->init_err));
	if (r->init_rc < 0)
		return;
	vb_metrics_resolve(r->m);
	snprintf(buf, sizeof(buf), "%s", events ? events : "");
	for (char *t = strtok_r(buf, ",", &save); t && r->n_events < VB_METRICS_EVENTS_MAX;
	     t = strtok_r(NULL, ",", &save)) {
		struct vb_metric_res *e = &r->ev[r->n_events++];

		snprintf(e->event, sizeof(e->event), "%s", t);
		if (vb_metric_by_name(t) >= 0)
			continue;	/* a metric: r->m has it */
		e->ok = vb_metrics_encode(t, &e->attr, e->fqname, sizeof(e->fqname), e->why,
					  sizeof(e->why)) == 0;
	}
}

/* Run resolve_into in a child writing to the shared mapping r; -1 when
 * the child could not run or did not finish. */
static int resolve_in_child(struct vb_metrics_resolved *r, const char *events)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		resolve_into(r, events);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

struct vb_metrics_resolved *vb_metrics_resolve_all(const char *events, bool apart)
{
	struct vb_metrics_resolved *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
					     MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		return NULL;
	if (apart && resolve_in_child(r, events) == 0)
		return r;
	/* In this process: asked to, or the child could not do it. */
	memset(r, 0, sizeof(*r));
	resolve_into(r, events);
	return r;
}

void vb_metrics_resolved_free(struct vb_metrics_resolved *r)
{
	if (r)
		munmap(r, sizeof(*r));
}

/* Derived metrics. */

static double count(const json_t *counts, enum vb_metric m)
{
	const json_t *v = json_object_get(counts, vb_metric_defs[m].name);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Sum of the counted ones among ms; NAN when none was counted. */
static double sum(const json_t *counts, const enum vb_metric *ms, int n)
{
	double s = NAN;

	for (int i = 0; i < n; i++) {
		double v = count(counts, ms[i]);

		if (!isnan(v))
			s = isnan(s) ? v : s + v;
	}
	return s;
}

static void put(json_t *o, const char *k, double v)
{
	if (isfinite(v))
		json_object_set_new(o, k, json_real(v));
}

json_t *vb_walk_derive(const json_t *counts, double ops)
{
	static const enum vb_metric wc[] = { VB_M_LOAD_WALK_CYCLES, VB_M_STORE_WALK_CYCLES,
					     VB_M_FETCH_WALK_CYCLES };
	static const enum vb_metric w4k[] = { VB_M_LOAD_WALKS_4K, VB_M_STORE_WALKS_4K,
					      VB_M_FETCH_WALKS_4K, VB_M_DATA_WALKS_4K,
					      VB_M_DATA_WALKS_COALESCED };
	static const enum vb_metric w2m[] = { VB_M_LOAD_WALKS_2M, VB_M_STORE_WALKS_2M,
					      VB_M_FETCH_WALKS_2M, VB_M_DATA_WALKS_2M };
	static const enum vb_metric w1g[] = { VB_M_LOAD_WALKS_1G, VB_M_STORE_WALKS_1G,
					      VB_M_FETCH_WALKS_1G, VB_M_DATA_WALKS_1G };
	/* ARMv8: walks of any page size. */
	static const enum vb_metric wany[] = { VB_M_DATA_WALKS, VB_M_FETCH_WALKS };
	json_t *o = json_object();
	double cycles = count(counts, VB_M_CYCLES), loads = count(counts, VB_M_LOADS);
	double walk_cycles = sum(counts, wc, ARRAY_SIZE(wc));
	double load_wc = count(counts, VB_M_LOAD_WALK_CYCLES);
	double ept = count(counts, VB_M_EPT_WALK_CYCLES);
	double s4k = sum(counts, w4k, ARRAY_SIZE(w4k)), s2m = sum(counts, w2m, ARRAY_SIZE(w2m));
	double s1g = sum(counts, w1g, ARRAY_SIZE(w1g)), sany = sum(counts, wany, ARRAY_SIZE(wany));
	double walks = NAN, sized;

	if (!o)
		return NULL;
	put(o, "walk_cycles", walk_cycles);
	if (ops > 0)
		put(o, "walk_cycles_per_op", walk_cycles / ops);
	if (loads > 0)
		put(o, "walk_cycles_per_load", load_wc / loads);
	if (cycles > 0)
		put(o, "walk_cycle_share", walk_cycles / cycles);
	for (int i = 0; i < 4; i++) {
		double v = i == 0 ? s4k : i == 1 ? s2m : i == 2 ? s1g : sany;

		if (i == 3)
			sized = walks;
		if (!isnan(v))
			walks = isnan(walks) ? v : walks + v;
	}
	put(o, "walks", walks);
	if (ops > 0)
		put(o, "walks_per_kop", walks * 1000.0 / ops);
	/* A mix only where walks are counted by page size. */
	if (walks > 0 && !isnan(sized)) {
		json_t *mix = json_object();

		put(mix, "4k", isnan(s4k) ? NAN : s4k / walks);
		put(mix, "2m", isnan(s2m) ? NAN : s2m / walks);
		put(mix, "1g", isnan(s1g) ? NAN : s1g / walks);
		json_object_set_new(o, "walk_mix", mix);
	}
	if (walk_cycles > 0)
		put(o, "ept_share", ept / walk_cycles);
	return o;
}

json_t *vb_walk_row(const json_t *counters)
{
	const json_t *pmu = json_object_get(counters, "pmu"), *side;
	const json_t *ops = json_object_get(counters, "ops");
	json_t *out = json_object();
	const char *k;

	if (!out)
		return NULL;
	const char *window = json_string_value(json_object_get(counters, "vcpu_window"));

	json_object_foreach((json_t *)pmu, k, side) {
		double n = json_is_number(ops) ? json_number_value(ops) : 0;
		json_t *d;

		if (!json_is_object(side))
			continue;
		/* The Linux guest's vCPU sides cover the whole bench, not the
		 * timed operations: no per-operation figure for them. */
		if (window && strcmp(k, "all"))
			n = 0;
		d = vb_walk_derive(side, n);
		if (d && json_object_size(d))
			json_object_set_new(out, k, d);
		else
			json_decref(d);
	}
	if (!json_object_size(out)) {
		json_decref(out);
		return NULL;
	}
	return out;
}
