/* test_pmudev.c: the core PMU's sysfs device (lib/pmudev.c) in fake trees:
 * x86's cpu, hybrid Intel's cpu_core, arm64's armv8_pmuv3_0 and per-core-type
 * PMUs among uncore and software ones, and none. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixture_sysfs.h"
#include "lib/pmudev.h"

static char root[64];

static void make_root(void)
{
	snprintf(root, sizeof(root), "/tmp/vbench-pmudev-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	/* What every kernel has: software PMUs without a cpus file. */
	fx_put(root, "sys/bus/event_source/devices/software/type", "1\n");
	fx_put(root, "sys/bus/event_source/devices/tracepoint/type", "2\n");
	fx_put(root, "sys/bus/event_source/devices/breakpoint/type", "5\n");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void drop_root(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(pmudev, .init = make_root, .fini = drop_root);

static void device(const char *name, const char *type, const char *cpus)
{
	char path[256];

	snprintf(path, sizeof(path), "sys/bus/event_source/devices/%s/type", name);
	fx_put(root, path, type);
	if (cpus) {
		snprintf(path, sizeof(path), "sys/bus/event_source/devices/%s/cpus", name);
		fx_put(root, path, cpus);
	}
}

Test(pmudev, none_among_software_pmus)
{
	char name[64] = "x";
	int type = 0;

	cr_assert_not(vb_core_pmu_find(root, name, sizeof(name), &type));
	cr_assert_str_eq(name, "");
	cr_assert_eq(type, -1);
}

/* The generic PMUv3 driver's device (ACPI, QEMU's -cpu max), next to an
 * uncore PMU, which has a cpumask and no cpus file. */
Test(pmudev, arm64_pmuv3)
{
	char name[64];
	int type = 0;

	device("arm_dsu_0", "10\n", NULL);
	fx_put(root, "sys/bus/event_source/devices/arm_dsu_0/cpumask", "0\n");
	device("armv8_pmuv3_0", "8\n", "0-3\n");
	cr_assert(vb_core_pmu_find(root, name, sizeof(name), &type));
	cr_assert_str_eq(name, "armv8_pmuv3_0");
	cr_assert_eq(type, 8);
}

/* big.LITTLE: one PMU per core type; the first by name, as perf lists them. */
Test(pmudev, arm64_per_core_type)
{
	char name[64];
	int type = 0;

	device("armv8_cortex_a72", "9\n", "4-5\n");
	device("armv8_cortex_a53", "8\n", "0-3\n");
	cr_assert(vb_core_pmu_find(root, name, sizeof(name), &type));
	cr_assert_str_eq(name, "armv8_cortex_a53");
	cr_assert_eq(type, 8);
}

Test(pmudev, x86_cpu)
{
	char name[64];
	int type = 0;

	device("cpu", "4\n", NULL);
	device("uncore_imc_0", "12\n", NULL);
	cr_assert(vb_core_pmu_find(root, name, sizeof(name), &type));
	cr_assert_str_eq(name, "cpu");
	cr_assert_eq(type, 4);
}

/* Hybrid Intel: cpu_core before cpu_atom, though cpu_atom sorts first. */
Test(pmudev, hybrid_intel_cpu_core)
{
	char name[64];

	device("cpu_atom", "10\n", "16-23\n");
	device("cpu_core", "4\n", "0-15\n");
	cr_assert(vb_core_pmu_find(root, name, sizeof(name), NULL));
	cr_assert_str_eq(name, "cpu_core");
}
