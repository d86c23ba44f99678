/* test_pmu.c: walk events resolve to encodings on forced PMUs (no hardware
 * needed), and counting fails with a reason, not a crash, where there is no PMU. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness/pmu.h"

/* Criterion runs each test in its own process, so each may force its PMU
 * before libpfm4 is initialised. */
static void force(const char *pmu)
{
	char err[256];

	setenv("LIBPFM_FORCE_PMU", pmu, 1);
	cr_assert_eq(vb_pmu_init(err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(vb_pmu_name(), pmu);
}

static const struct vb_pmu_walk_event *find(const struct vb_pmu_walk_event **w, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(w[i]->key, key))
			return w[i];
	return NULL;
}

static void expect_raw(const char *event, unsigned long long config)
{
	struct perf_event_attr attr;
	char err[256], fq[512];

	cr_assert_eq(vb_pmu_encode(event, &attr, fq, sizeof(fq), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(attr.type, PERF_TYPE_RAW);
	cr_assert_eq(attr.config, config, "%s: config %#llx, want %#llx", event, (unsigned long long)attr.config, config);
	cr_assert_eq(attr.exclude_guest, 0, "vCPU threads' guest-mode walks must count");
	cr_assert_not_null(strstr(fq, "::"), "fully qualified name: %s", fq);
}

Test(pmu, intel_skl_walk_events)
{
	const struct vb_pmu_walk_event *w[32];
	int n;

	force("skl");
	n = vb_pmu_walk_resolve(w, 32);
	for (const char *const *k = (const char *const[]){ "walk_active", "walk_pending", "walks", "walks_4k",
							   "walks_2m", "walks_1g", "ept_walk_cycles", NULL };
	     *k; k++)
		cr_assert_not_null(find(w, n, *k), "skl should resolve %s", *k);
	/* WALK_DURATION is an alias of WALK_PENDING on Skylake: listed once. */
	cr_assert_null(find(w, n, "walk_duration"));
	cr_assert_null(find(w, n, "tablewalker_allocs"));
	expect_raw("DTLB_LOAD_MISSES:WALK_COMPLETED_4K", 0x208);
	expect_raw("DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M", 0x408);
	expect_raw("DTLB_LOAD_MISSES:WALK_COMPLETED_1G", 0x808);
	expect_raw("DTLB_LOAD_MISSES:WALK_ACTIVE", 0x1001008);
	expect_raw("EPT:WALK_PENDING", 0x104f);
}

Test(pmu, intel_icl_has_no_1g_walks)
{
	const struct vb_pmu_walk_event *w[32];
	int n;

	force("icl");
	n = vb_pmu_walk_resolve(w, 32);
	cr_assert_not_null(find(w, n, "walks_4k"));
	cr_assert_null(find(w, n, "walks_1g"));
}

Test(pmu, amd_fam17h_walk_events)
{
	const struct vb_pmu_walk_event *w[32];
	struct perf_event_attr attr;
	char err[256];
	int n;

	force("amd64_fam17h");
	n = vb_pmu_walk_resolve(w, 32);
	for (const char *const *k = (const char *const[]){ "dtlb_misses", "walks", "walks_4k", "walks_2m",
							   "walks_1g", "tablewalker_allocs", NULL };
	     *k; k++)
		cr_assert_not_null(find(w, n, *k), "amd64_fam17h should resolve %s", *k);
	expect_raw("L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS", 0x1045);
	expect_raw("L1_DTLB_MISS:TLB_RELOAD_2M_L2_MISS", 0x4045);
	expect_raw("L1_DTLB_MISS:TLB_RELOAD_1G_L2_MISS", 0x8045);
	expect_raw("TABLEWALKER_ALLOCATION:ALLOC_DSIDE0:ALLOC_DSIDE1", 0x346);
	cr_assert_eq(vb_pmu_encode("DTLB_LOAD_MISSES:WALK_COMPLETED", &attr, NULL, 0, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "amd64_fam17h"), "%s", err);
}

Test(pmu, unknown_event_names_pmu_and_event)
{
	struct perf_event_attr attr;
	char err[256];

	force("skl");
	cr_assert_eq(vb_pmu_encode("NO_SUCH_EVENT", &attr, NULL, 0, err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "'NO_SUCH_EVENT'"), "%s", err);
	cr_assert_not_null(strstr(err, "skl"), "%s", err);
}

static bool have_pmu(void)
{
	struct stat st;

	return stat("/sys/bus/event_source/devices/cpu", &st) == 0 ||
	       stat("/sys/bus/event_source/devices/cpu_core", &st) == 0;
}

Test(pmu, present_says_why_not)
{
	char reason[256] = "";

	if (vb_pmu_present(reason, sizeof(reason)))
		cr_skip_test("this host has a PMU");
	cr_assert_neq(reason[0], '\0');
	if (!have_pmu())
		cr_assert_not_null(strstr(reason, "no hardware PMU"), "%s", reason);
}

Test(pmu, counting_without_pmu_fails_with_a_reason)
{
	const struct vb_pmu_walk_event *w[32];
	struct vb_pmu_group *g = (void *)1;
	char err[512] = "";
	const char *ev;
	pid_t self = (pid_t)syscall(SYS_gettid);
	int n = vb_pmu_walk_resolve(w, 32);

	if (n == 0)
		cr_skip_test("libpfm4 knows no walk events for PMU %s", vb_pmu_name() ? vb_pmu_name() : "(none)");
	ev = w[0]->event;
	if (vb_pmu_group_open(&g, &ev, 1, &self, 1, err, sizeof(err)) == 0) {
		uint64_t v;

		cr_assert(have_pmu(), "perf_event_open of %s worked without a PMU", ev);
		cr_assert_eq(vb_pmu_group_enable(g, err, sizeof(err)), 0, "%s", err);
		cr_assert_eq(vb_pmu_group_read(g, &v, 1, err, sizeof(err)), 0, "%s", err);
		vb_pmu_group_close(g);
		return;
	}
	cr_assert_null(g);
	cr_assert_not_null(strstr(err, "perf_event_open"), "%s", err);
	cr_assert_not_null(strstr(err, ev), "%s", err);
	if (!have_pmu())
		cr_assert_not_null(strstr(err, "no hardware PMU"), "%s", err);
}

/* Software events go through the same path and work without a PMU. */
Test(pmu, software_events_count_page_faults)
{
	const char *events[] = { "perf::PERF_COUNT_SW_PAGE_FAULTS", "perf::PERF_COUNT_SW_TASK_CLOCK" };
	struct vb_pmu_group *g;
	uint64_t v[2];
	char err[512];
	size_t len = 64 * 4096;
	char *p;

	cr_assert_eq(vb_pmu_group_open_pid(&g, events, 2, getpid(), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_pmu_group_nevents(g), 2);
	cr_assert_str_eq(vb_pmu_group_event(g, 0), events[0]);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(p, MAP_FAILED);
	madvise(p, len, MADV_NOHUGEPAGE);
	cr_assert_eq(vb_pmu_group_enable(g, err, sizeof(err)), 0, "%s", err);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	cr_assert_eq(vb_pmu_group_disable(g, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_pmu_group_read(g, v, 2, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(v[0], 64, "page faults %llu", (unsigned long long)v[0]);
	cr_assert_gt(v[1], 0);
	cr_assert_eq(vb_pmu_group_read(g, v, 1, err, sizeof(err)), -1);
	munmap(p, len);
	vb_pmu_group_close(g);
}
