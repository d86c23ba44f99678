/* test_pmu.c: the PMU layer without a PMU: every metric resolved on each
 * microarchitecture under libpfm4's forced PMU (encodings checked against
 * libpfm4's own tables), the perf_event_attr of each scope, scaling, the
 * derived walk metrics, and counts flowing through the counter double. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <perfmon/pfmlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/pmu.h"
#include "lib/pmudev.h"
#include "lib/row.h"
#include "microbench/counters.h"
#include "microbench/metrics.h"

static void force(const char *pmu)
{
	char err[1024];

	cr_assert_eq(vb_metrics_force_pmu(pmu, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(vb_pmu_name(), pmu);
}

static const char *const all_pmus[] = {
	"hsw", "skl", "clx", "icl", "icx", "spr", "amd64_fam17h_zen1", "amd64_fam17h_zen2",
	"amd64_fam19h_zen3", "amd64_fam19h_zen4",
};
#define N_PMUS (sizeof(all_pmus) / sizeof(all_pmus[0]))

static bool intel(const char *pmu)
{
	return strncmp(pmu, "amd64", 5) != 0;
}

/* Which metrics each microarchitecture must have (1) or lack (0). */
static int expected(const char *pmu, enum vb_metric m)
{
	bool i = intel(pmu);

	switch (m) {
	case VB_M_CYCLES:
	case VB_M_INSTRUCTIONS:
	case VB_M_LOADS:
	case VB_M_FETCH_WALKS_4K:
	case VB_M_FETCH_WALKS_2M:
		return 1;
	case VB_M_LOAD_WALK_CYCLES:
	case VB_M_STORE_WALK_CYCLES:
	case VB_M_LOAD_WALKS_4K:
	case VB_M_LOAD_WALKS_2M:
	case VB_M_LOAD_STLB_HITS:
		return i;
	case VB_M_LOAD_WALKS_1G:
	case VB_M_STORE_WALKS_1G:
		return !strcmp(pmu, "skl") || !strcmp(pmu, "clx") || !strcmp(pmu, "spr");
	case VB_M_EPT_WALK_CYCLES:
		return !strcmp(pmu, "hsw") || !strcmp(pmu, "skl") || !strcmp(pmu, "clx");
	case VB_M_EPT_WALKER_MEM_LOADS:
		return !strcmp(pmu, "hsw");
	case VB_M_L1_DTLB_MISSES:
	case VB_M_DATA_WALKS_4K:
	case VB_M_DATA_WALKS_2M:
	case VB_M_DATA_WALKS_1G:
		return !i;
	case VB_M_TABLEWALKER_ALLOCS:
		return !strcmp(pmu, "amd64_fam17h_zen1");
	default:
		return -1;	/* not pinned down here */
	}
}

/* libpfm4 takes its forced PMU once per process: one PMU per test process. */
ParameterizedTestParameters(pmu, every_metric_resolves_or_says_not_on_pmu)
{
	static size_t idx[N_PMUS];

	for (size_t i = 0; i < N_PMUS; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, N_PMUS);
}

ParameterizedTest(size_t *pp, pmu, every_metric_resolves_or_says_not_on_pmu)
{
	size_t p = *pp;
	struct vb_metric_res res[VB_M_COUNT];
	char not_on[64], prefix[64];

	force(all_pmus[p]);
	vb_metrics_resolve(res);
	snprintf(not_on, sizeof(not_on), "not on %s", all_pmus[p]);
	snprintf(prefix, sizeof(prefix), "%s::", all_pmus[p]);
	for (int m = 0; m < VB_M_COUNT; m++) {
		int want = expected(all_pmus[p], m);

		if (res[m].ok)
			cr_assert(!strncmp(res[m].fqname, prefix, strlen(prefix)), "%s: %s is %s",
				  all_pmus[p], vb_metric_defs[m].name, res[m].fqname);
		else
			cr_assert(!strncmp(res[m].why, not_on, strlen(not_on)), "%s: %s: %s",
				  all_pmus[p], vb_metric_defs[m].name, res[m].why);
		if (want >= 0)
			cr_assert_eq(res[m].ok, want, "%s: %s resolves %d, want %d (%s)",
				     all_pmus[p], vb_metric_defs[m].name, res[m].ok, want,
				     res[m].why);
	}
}

/* libpfm4's own code of event ev and of its umask um, from its tables. */
static void pfm_codes(const char *pmu, const char *ev, const char *um, uint64_t *code,
		      uint64_t *umask)
{
	char name[256];
	pfm_event_info_t info;
	int idx;

	snprintf(name, sizeof(name), "%s::%s", pmu, ev);
	idx = pfm_find_event(name);
	cr_assert_geq(idx, 0, "libpfm4 has no %s", name);
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	cr_assert_eq(pfm_get_event_info(idx, PFM_OS_NONE, &info), PFM_SUCCESS);
	*code = info.code;
	*umask = ~0ULL;
	for (int a = 0; a < info.nattrs; a++) {
		pfm_event_attr_info_t ai;

		memset(&ai, 0, sizeof(ai));
		ai.size = sizeof(ai);
		cr_assert_eq(pfm_get_event_attr_info(idx, a, PFM_OS_NONE, &ai), PFM_SUCCESS);
		if (ai.type == PFM_ATTR_UMASK && !strcmp(ai.name, um))
			*umask = ai.code;
	}
	cr_assert_neq(*umask, ~0ULL, "libpfm4 has no umask %s on %s", um, name);
}

/* One metric per PMU: the raw config vbench counts is libpfm4's event
 * code and umask (config[7:0] event, [15:8] umask; AMD's [11:8] event bits
 * go to config[35:32]). */
static const struct enc_case {
	const char *pmu;
	enum vb_metric m;
	const char *ev, *um;
	uint64_t config;	/* as read off libpfm4 4.13's tables, for the record */
} cases[] = {
	{ "hsw", VB_M_EPT_WALKER_MEM_LOADS, "PAGE_WALKER_LOADS", "EPT_DTLB_MEMORY", 0x48bc },
	{ "skl", VB_M_LOAD_WALKS_4K, "DTLB_LOAD_MISSES", "WALK_COMPLETED_4K", 0x208 },
	{ "clx", VB_M_EPT_WALK_CYCLES, "EPT", "WALK_PENDING", 0x104f },
	{ "icl", VB_M_STORE_WALKS_2M, "DTLB_STORE_MISSES", "WALK_COMPLETED_2M_4M", 0x449 },
	{ "icx", VB_M_LOAD_STLB_HITS, "DTLB_LOAD_MISSES", "STLB_HIT", 0x2008 },
	{ "spr", VB_M_LOAD_WALKS_1G, "DTLB_LOAD_MISSES", "WALK_COMPLETED_1G", 0x812 },
	{ "amd64_fam17h_zen1", VB_M_FETCH_WALKS_4K, "L1_ITLB_MISS_L2_ITLB_MISS", "IF4K", 0x185 },
	{ "amd64_fam17h_zen2", VB_M_DATA_WALKS_2M, "L1_DTLB_MISS", "TLB_RELOAD_2M_L2_MISS",
	  0x4045 },
	{ "amd64_fam19h_zen3", VB_M_DATA_WALKS_4K, "L1_DTLB_MISS", "TLB_RELOAD_4K_L2_MISS",
	  0x1045 },
	{ "amd64_fam19h_zen4", VB_M_DATA_WALKS_1G, "L1_DTLB_MISS", "TLB_RELOAD_1G_L2_MISS",
	  0x8045 },
};

ParameterizedTestParameters(pmu, encodings_are_libpfm4s_event_code_and_umask)
{
	static size_t idx[sizeof(cases) / sizeof(cases[0])];

	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, sizeof(idx) / sizeof(idx[0]));
}

ParameterizedTest(size_t *ip, pmu, encodings_are_libpfm4s_event_code_and_umask)
{
	size_t i = *ip;
	struct vb_metric_res res[VB_M_COUNT];
	uint64_t code, umask, cfg;

	force(cases[i].pmu);
	vb_metrics_resolve(res);
	cr_assert(res[cases[i].m].ok, "%s: %s: %s", cases[i].pmu, vb_metric_defs[cases[i].m].name,
		  res[cases[i].m].why);
	pfm_codes(cases[i].pmu, cases[i].ev, cases[i].um, &code, &umask);
	cfg = res[cases[i].m].attr.config;
	cr_assert_eq(res[cases[i].m].attr.type, PERF_TYPE_RAW);
	cr_assert_eq(cfg & 0xff, code & 0xff, "%s: event %#llx, libpfm4 %#llx", cases[i].pmu,
		     (unsigned long long)cfg, (unsigned long long)code);
	cr_assert_eq((cfg >> 8) & 0xff, umask & 0xff, "%s: umask of %#llx, libpfm4 %#llx",
		     cases[i].pmu, (unsigned long long)cfg, (unsigned long long)umask);
	cr_assert_eq((cfg >> 32) & 0xf, (code >> 8) & 0xf, "%s: high event bits", cases[i].pmu);
	cr_assert_eq(cfg, cases[i].config, "%s: config %#llx", cases[i].pmu,
		     (unsigned long long)cfg);
	cr_assert_eq(res[cases[i].m].attr.exclude_guest, 0, "the scope decides guest mode");
}

Test(pmu, unknown_pmu_is_refused_with_the_list)
{
	char err[1024];

	cr_assert_eq(vb_metrics_force_pmu("nosuchpmu", err, sizeof(err)), -1);
	cr_assert(strstr(err, "unknown PMU 'nosuchpmu'"), "%s", err);
	for (size_t p = 0; p < N_PMUS; p++)
		cr_assert(strstr(err, all_pmus[p]), "%s lacks %s", err, all_pmus[p]);
}

Test(pmu, unknown_event_names_pmu_and_event)
{
	struct perf_event_attr attr;
	char err[256];

	force("skl");
	cr_assert_eq(vb_pmu_encode("NO_SUCH_EVENT", &attr, NULL, 0, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "'NO_SUCH_EVENT'"), "%s", err);
	cr_assert_not_null(strstr(err, "skl"), "%s", err);
	cr_assert_eq(vb_counters_check_events("load_walk_cycles,DTLB_LOAD_MISSES:WALK_ACTIVE", err,
					      sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_counters_check_events("cycles,BOGUS_EV", err, sizeof(err)), -1);
	cr_assert(strstr(err, "'BOGUS_EV'"), "%s", err);
}

Test(pmu, attr_of_each_scope_field_by_field)
{
	static const struct {
		enum vb_scope s;
		unsigned inherit, exclude_host, exclude_guest;
	} want[] = {
		{ VB_SCOPE_PROCESS, 1, 0, 0 },
		{ VB_SCOPE_GUEST, 0, 1, 0 },
		{ VB_SCOPE_HOST, 0, 0, 1 },
		{ VB_SCOPE_VCPU, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		for (int leader = 0; leader < 2; leader++) {
			struct perf_event_attr a;

			memset(&a, 0, sizeof(a));
			a.type = PERF_TYPE_RAW;
			a.config = 0x208;
			a.exclude_guest = 1;	/* libpfm4's default, overruled by the scope */
			vb_counter_attr(&a, want[i].s, leader);
			cr_assert_eq(a.size, sizeof(a));
			cr_assert_eq(a.type, PERF_TYPE_RAW);
			cr_assert_eq(a.config, 0x208);
			cr_assert_eq(a.inherit, want[i].inherit, "%s", vb_scope_side(want[i].s));
			cr_assert_eq(a.exclude_host, want[i].exclude_host, "%s",
				     vb_scope_side(want[i].s));
			cr_assert_eq(a.exclude_guest, want[i].exclude_guest, "%s",
				     vb_scope_side(want[i].s));
			cr_assert_eq(a.exclude_hv, 1);
			cr_assert_eq(a.exclude_kernel, 0,
				     "kernel counted unless the fallback says so");
			cr_assert_eq(a.exclude_user, 0);
			cr_assert_eq(a.disabled, 0, "counting from open: samples are read deltas");
			cr_assert_eq(a.pinned, 0);
			cr_assert_eq(a.read_format, PERF_FORMAT_TOTAL_TIME_ENABLED |
							    PERF_FORMAT_TOTAL_TIME_RUNNING);
		}
	}
	cr_assert_str_eq(vb_scope_side(VB_SCOPE_PROCESS), "all");
	cr_assert_str_eq(vb_scope_side(VB_SCOPE_GUEST), "guest");
	cr_assert_str_eq(vb_scope_side(VB_SCOPE_HOST), "host");
	cr_assert_str_eq(vb_scope_side(VB_SCOPE_VCPU), "vcpu");
}

Test(pmu, scale)
{
	cr_assert_float_eq(vb_counter_scale(100, 100), 1.0, 1e-12);
	cr_assert_float_eq(vb_counter_scale(100, 25), 4.0, 1e-12);
	cr_assert_float_eq(vb_counter_scale(100, 0), 0.0, 1e-12, "never ran: not counted");
	cr_assert_float_eq(vb_counter_scale(99, 100), 1.0, 1e-12, "running never scales down");
}

static double num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	cr_assert(json_is_number(v), "no %s", k);
	return json_number_value(v);
}

Test(pmu, derived_walk_metrics)
{
	json_t *c = json_pack("{s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i}", "cycles", 10000, "loads",
			      2000, "load_walk_cycles", 1500, "store_walk_cycles", 400,
			      "fetch_walk_cycles", 100, "load_walks_4k", 60, "store_walks_4k", 20,
			      "load_walks_2m", 15, "load_walks_1g", 5, "ept_walk_cycles", 500);
	json_t *d = vb_walk_derive(c, 1000), *mix;

	cr_assert_float_eq(num(d, "walk_cycles"), 2000, 1e-9);
	cr_assert_float_eq(num(d, "walk_cycles_per_op"), 2.0, 1e-9);
	cr_assert_float_eq(num(d, "walk_cycles_per_load"), 0.75, 1e-9, "load walk cycles per load");
	cr_assert_float_eq(num(d, "walk_cycle_share"), 0.2, 1e-9);
	cr_assert_float_eq(num(d, "walks"), 100, 1e-9);
	cr_assert_float_eq(num(d, "walks_per_kop"), 100, 1e-9);
	mix = json_object_get(d, "walk_mix");
	cr_assert_float_eq(num(mix, "4k"), 0.8, 1e-9);
	cr_assert_float_eq(num(mix, "2m"), 0.15, 1e-9);
	cr_assert_float_eq(num(mix, "1g"), 0.05, 1e-9);
	cr_assert_float_eq(num(d, "ept_share"), 0.25, 1e-9);
	json_decref(d);
	json_decref(c);

	/* AMD: walks from L2 TLB misses, no walk cycles: only what the inputs allow. */
	c = json_pack("{s:i,s:i,s:i,s:i,s:n}", "cycles", 5000, "data_walks_4k", 30,
		      "data_walks_coalesced", 10, "data_walks_2m", 10, "data_walks_1g");
	d = vb_walk_derive(c, 200);
	cr_assert_float_eq(num(d, "walks"), 50, 1e-9);
	cr_assert_float_eq(num(d, "walks_per_kop"), 250, 1e-9);
	cr_assert_float_eq(num(json_object_get(d, "walk_mix"), "4k"), 0.8, 1e-9,
			   "coalesced are 4K pages");
	cr_assert_null(json_object_get(json_object_get(d, "walk_mix"), "1g"),
		       "not counted is not 0");
	cr_assert_null(json_object_get(d, "walk_cycles"));
	cr_assert_null(json_object_get(d, "walk_cycle_share"));
	cr_assert_null(json_object_get(d, "ept_share"));
	json_decref(d);
	json_decref(c);

	/* Nothing counted: nothing derived, and a row gets no walk key. */
	c = json_object();
	vb_row_set_counters(c, vb_row_counters_json(10));
	vb_row_set_pmu(c, "all", "cycles", NAN);
	cr_assert_null(vb_walk_row(vb_row_counters(c)));
	json_decref(c);
	c = json_object();
	vb_row_set_counters(c, vb_row_counters_json(10));
	vb_row_set_pmu(c, "guest", "cycles", 100);
	vb_row_set_pmu(c, "guest", "load_walk_cycles", 50);
	vb_row_set_pmu(c, "host", "cycles", 100);
	vb_row_set_pmu(c, "host", "load_walk_cycles", 10);
	d = vb_walk_row(vb_row_counters(c));
	cr_assert_float_eq(num(json_object_get(d, "guest"), "walk_cycle_share"), 0.5, 1e-9);
	cr_assert_float_eq(num(json_object_get(d, "host"), "walk_cycle_share"), 0.1, 1e-9);
	json_decref(d);
	json_decref(c);
}

static char double_path[64];

static void write_double(void)
{
	FILE *f;
	int fd;

	snprintf(double_path, sizeof(double_path), "/tmp/vb-double-XXXXXX");
	fd = mkstemp(double_path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs("# metric count-per-sample fraction-running\n"
	      "cycles 1000000\ninstructions 500000\nloads 200000\nload_walk_cycles 150000 0.5\n"
	      "store_walk_cycles 50000\nload_walks_4k 3000\nload_walks_2m 1000\nload_walks_1g 7 0\n"
	      "ept_walk_cycles 40000\n", f);
	fclose(f);
	setenv("VB_COUNTER_DOUBLE", double_path, 1);
}

static json_t *find_event(json_t *events, const char *name, const char *side)
{
	json_t *e;
	size_t i;

	json_array_foreach(events, i, e)
		if (!strcmp(json_string_value(json_object_get(e, "name")), name) &&
		    !strcmp(json_string_value(json_object_get(e, "side")), side))
			return e;
	return NULL;
}

/* The counter double (docs/methodology.md): counts go from the counter
 * source through scaling and grouping into the row's counters. */
Test(pmu, counts_flow_from_the_double_to_the_row)
{
	struct vb_counters cs;
	json_t *o = json_object(), *pmu, *ev, *u;
	size_t i;

	write_double();
	force("skl");
	vb_counters_init(&cs, VB_CSET_DEFAULT);
	vb_pmu_open_thread(&cs, 0, true, NULL);
	for (int s = 0; s < 3; s++) {
		vb_counters_start(&cs);
		vb_counters_stop(&cs);
	}
	vb_counters_json(&cs, o);
	vb_counters_close(&cs);
	unlink(double_path);
	cr_assert_str_eq(json_string_value(json_object_get(o, "set")), "default");
	for (int s = 0; s < 2; s++) {
		const char *side = s ? "host" : "guest";

		pmu = json_object_get(json_object_get(o, "pmu"), side);
		cr_assert_eq(json_integer_value(json_object_get(pmu, "cycles")), 3000000, "%s",
			     side);
		cr_assert_eq(json_integer_value(json_object_get(pmu, "load_walk_cycles")), 450000,
			     "half the time running, scaled back");
		cr_assert_eq(json_integer_value(json_object_get(pmu, "load_walks_4k")), 9000);
		cr_assert(json_is_null(json_object_get(pmu, "load_walks_1g")),
			  "never ran: null, not 0");
		ev = find_event(json_object_get(o, "events"), "load_walk_cycles", side);
		cr_assert_float_eq(json_number_value(json_object_get(ev, "scale")), 2.0, 1e-9);
		cr_assert_eq(json_integer_value(json_object_get(ev, "time_running")) * 2,
			     json_integer_value(json_object_get(ev, "time_enabled")));
		cr_assert(strstr(json_string_value(json_object_get(ev, "event")),
				 "skl::DTLB_LOAD_MISSES:WALK_ACTIVE"));
	}
	/* Groups: each led by cycles, at most 4 events, members not leaders. */
	json_array_foreach(json_object_get(o, "events"), i, ev) {
		bool leader = json_is_true(json_object_get(ev, "leader"));
		const char *name = json_string_value(json_object_get(ev, "name"));

		cr_assert_eq(leader, !strcmp(name, "cycles"), "%s leader %d", name, leader);
		cr_assert_lt(json_integer_value(json_object_get(ev, "group")), 3,
			     "9 events: 3 groups of 4");
	}
	cr_assert_eq(json_array_size(json_object_get(o, "events")), 2 * (9 + 2),
		     "9 metrics + 2 more leaders");
	/* What was not counted, and why. */
	json_array_foreach(json_object_get(o, "unavailable"), i, u) {
		const char *m = json_string_value(json_object_get(u, "metric"));
		const char *cause = json_string_value(json_object_get(u, "cause"));

		if (!strcmp(m, "load_walks_1g"))
			cr_assert_str_eq(cause, "not-counted");
		else if (!strncmp(m, "data_walks", 10))
			cr_assert_str_eq(cause, "not-on-pmu");
		else
			cr_assert_fail("%s unavailable: %s", m, cause);
	}
	json_decref(o);
}

/* Without a PMU the row says so, cheaply, for every hardware metric. */
Test(pmu, no_pmu_is_a_reason_per_metric)
{
	struct vb_counters cs;
	json_t *o = json_object(), *u;
	size_t i, n = 0;

	char dev[256];

	if (vb_core_pmu_find("", dev, sizeof(dev), NULL))
		cr_skip_test("this host has a PMU (%s)", dev);
	vb_counters_init(&cs, VB_CSET_DEFAULT);
	vb_counters_open(&cs, VB_SCOPE_PROCESS, 0, NULL);
	vb_counters_start(&cs);
	vb_counters_stop(&cs);
	vb_counters_json(&cs, o);
	vb_counters_close(&cs);
	json_array_foreach(json_object_get(o, "unavailable"), i, u)
		if (!strcmp(json_string_value(json_object_get(u, "cause")), "no-pmu"))
			n++;
	cr_assert_gt(n, 0, "no no-pmu reason without a PMU");
	cr_assert(json_object_get(json_object_get(o, "software"), "minor_faults"),
		  "software counts go on without a PMU");
	json_decref(o);
}

Test(pmu, present_says_why_not)
{
	char reason[256] = "", dev[256];

	if (vb_pmu_present(reason, sizeof(reason)))
		cr_skip_test("this host has a PMU");
	cr_assert_neq(reason[0], '\0');
	if (!vb_core_pmu_find("", dev, sizeof(dev), NULL))
		cr_assert_not_null(strstr(reason, "no hardware PMU"), "%s", reason);
}

/* The Linux guest's shape: in-guest counts (side "all") plus the host's
 * vCPU-thread counts (guest and host sides) on one row, one item at a time. */
Test(pmu, merge_adds_vcpu_sides_to_in_guest_counts)
{
	struct vb_counters cs;
	json_t *row = json_pack("{s:s,s:{s:{s:i}},s:[],s:[{s:s}]}", "set", "software", "pmu", "all",
				"cycles", 7, "events", "unavailable", "metric", "x");
	json_t *pmu;

	write_double();
	force("skl");
	vb_counters_init(&cs, VB_CSET_DEFAULT);
	vb_pmu_open_thread(&cs, 0, true, NULL);
	vb_pmu_open_thread(&cs, 0, true, NULL);	/* a second vCPU thread: counts add up */
	vb_counters_start(&cs);
	vb_counters_stop(&cs);
	vb_counters_reset(&cs);			/* the item before: forgotten */
	vb_counters_start(&cs);
	vb_counters_stop(&cs);
	vb_pmu_merge_json(&cs, row);
	vb_counters_close(&cs);
	unlink(double_path);
	pmu = json_object_get(row, "pmu");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(pmu, "all"), "cycles")), 7);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(pmu, "guest"), "cycles")),
		     2000000);
	cr_assert_eq(
		json_integer_value(json_object_get(json_object_get(pmu, "host"), "load_walks_4k")),
		6000);
	cr_assert_str_eq(json_string_value(json_object_get(row, "set")), "software");
	cr_assert_gt(json_array_size(json_object_get(row, "events")), 0);
	cr_assert_gt(json_array_size(json_object_get(row, "unavailable")), 1);
	json_decref(row);
}

/* vb_metric_defs mirrors enum vb_metric: every entry named, names unique. */
Test(pmu, every_metric_has_a_name_and_a_line)
{
	for (int m = 0; m < VB_M_COUNT; m++) {
		cr_assert_not_null(vb_metric_defs[m].name, "metric %d has no name", m);
		cr_assert_not_null(vb_metric_defs[m].what, "%s has no line",
				   vb_metric_defs[m].name);
		cr_assert_eq(vb_metric_by_name(vb_metric_defs[m].name), m, "%s is not unique",
			     vb_metric_defs[m].name);
	}
	cr_assert_eq(vb_metric_by_name("no_such_metric"), -1);
}

/* perf_event_paranoid forbids the kernel: counted in user mode, and said. */
Test(pmu, user_only_fallback_is_recorded)
{
	struct vb_counters cs;
	json_t *o = json_object(), *ev;
	FILE *f;
	size_t i;

	write_double();
	f = fopen(double_path, "a");
	cr_assert_not_null(f);
	fputs("user-only\n", f);
	fclose(f);
	force("skl");
	vb_counters_init(&cs, VB_CSET_DEFAULT);
	vb_counters_open(&cs, VB_SCOPE_PROCESS, 0, NULL);
	vb_counters_start(&cs);
	vb_counters_stop(&cs);
	vb_counters_json(&cs, o);
	vb_counters_close(&cs);
	unlink(double_path);
	cr_assert_eq(json_integer_value(json_object_get(
			     json_object_get(json_object_get(o, "pmu"), "all"), "cycles")),
		     1000000, "counted, user mode only");
	cr_assert_eq(json_array_size(json_object_get(o, "fallbacks")), 1);
	cr_assert(strstr(json_string_value(json_array_get(json_object_get(o, "fallbacks"), 0)),
			 "user-only counting (perf_event_paranoid="));
	json_array_foreach(json_object_get(o, "events"), i, ev)
		cr_assert(json_is_integer(json_object_get(ev, "value")) ||
			  !strcmp(json_string_value(json_object_get(ev, "name")), "load_walks_1g"),
			  "%s did not count", json_string_value(json_object_get(ev, "name")));
	json_decref(o);
}

/* Resident kB in mappings that have private copies (anonymous pages): the
 * kernel copies their page-table entries, file pages included, on fork. */
static long fork_copied_kb(void)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	long total = 0, rss = 0, anon;

	cr_assert(f, "no /proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Rss: %ld kB", &anon) == 1)
			rss = anon;
		else if (sscanf(line, "Anonymous: %ld kB", &anon) == 1 && anon > 0)
			total += rss;
	}
	fclose(f);
	return total;
}

/* Issue 20: resolving the default set in the bench's own process left
 * libpfm4's tables resident there, and every fork copied them (forkwait
 * 25-35% slower with nothing to count). The resolution runs apart now. */
Test(pmu, opening_the_default_set_leaves_nothing_for_fork_to_copy)
{
	struct vb_counters cs;
	long before, after;

	setenv("LIBPFM_FORCE_PMU", "skl", 1);	/* the tables are searched, PMU or not */
	before = fork_copied_kb();
	vb_counters_init(&cs, VB_CSET_DEFAULT);
	vb_counters_open(&cs, VB_SCOPE_PROCESS, 0, "INST_RETIRED:ANY_P");
	after = fork_copied_kb();
	vb_counters_close(&cs);
	cr_assert_lt(after - before, 64, "opening the default set left %ld kB more for a fork to "
		     "copy (%ld kB before)", after - before, before);
}

/* ARMv8: DTLB_WALK and ITLB_WALK count walks of any page size, per side. */
Test(pmu, derived_walks_on_armv8)
{
	json_t *c = json_object(), *d, *g;

	vb_row_set_counters(c, vb_row_counters_json(100));
	vb_row_set_pmu(c, "guest", "cycles", 8000);
	vb_row_set_pmu(c, "guest", "data_walks", 90);
	vb_row_set_pmu(c, "guest", "fetch_walks", 10);
	vb_row_set_pmu(c, "guest", "l1_dtlb_misses", 400);
	vb_row_set_pmu(c, "host", "cycles", 2000);
	vb_row_set_pmu(c, "host", "data_walks", 30);
	d = vb_walk_row(vb_row_counters(c));
	g = json_object_get(d, "guest");

	cr_assert_float_eq(num(g, "walks"), 100, 1e-9);
	cr_assert_float_eq(num(g, "walks_per_kop"), 1000, 1e-9);
	cr_assert_float_eq(num(json_object_get(d, "host"), "walks"), 30, 1e-9);
	cr_assert_null(json_object_get(g, "walk_mix"), "no page sizes counted: no mix");
	cr_assert_null(json_object_get(g, "walk_cycles"));
	json_decref(d);
	json_decref(c);
}
