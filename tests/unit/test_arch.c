/* test_arch.c: lib/arch-arm64.c's reading of MIDR_EL1 on a fake sysfs tree,
 * on any host: the arm64 file is compiled into this test (its functions
 * stand in for the host architecture's, which this test does not call). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/arch-arm64.c"

static char root[64];
static const char *const dirs[] = {
	"/sys", "/sys/devices", "/sys/devices/system", "/sys/devices/system/cpu",
	"/sys/devices/system/cpu/cpu0", "/sys/devices/system/cpu/cpu0/regs",
	"/sys/devices/system/cpu/cpu0/regs/identification",
};
#define N_DIRS (sizeof(dirs) / sizeof(dirs[0]))

static void teardown(void)
{
	char path[512];

	if (!root[0])
		return;
	snprintf(path, sizeof(path), "%s%s/midr_el1", root, dirs[N_DIRS - 1]);
	unlink(path);
	for (size_t i = N_DIRS; i > 0; i--) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i - 1]);
		rmdir(path);
	}
	rmdir(root);
}

TestSuite(arch, .fini = teardown);

static void midr(const char *value)
{
	char path[512];
	FILE *f;

	snprintf(root, sizeof(root), "/tmp/vbench-arch.XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	for (size_t i = 0; i < N_DIRS; i++) {
		snprintf(path, sizeof(path), "%s%s", root, dirs[i]);
		mkdir(path, 0755);
	}
	snprintf(path, sizeof(path), "%s%s/midr_el1", root, dirs[N_DIRS - 1]);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	fprintf(f, "%s\n", value);
	fclose(f);
}

Test(arch, arm64_core_from_midr)
{
	struct vb_arch_cpu c;

	midr("0x00000000410fd0c1");
	vb_arch_cpu(root, &c);
	cr_assert_str_eq(c.vendor, "ARM");
	cr_assert_str_eq(c.model_name, "Neoverse-N1");
	cr_assert_eq(c.model, 0xd0c);
	cr_assert_eq(c.stepping, 1);
	cr_assert_eq(c.family, -1, "arm64 has no family");
	cr_assert_str_eq(vb_arch_name(), "arm64");
}

Test(arch, arm64_qemu_max_and_unknown_parts)
{
	struct vb_arch_cpu c;

	midr("0x00000000000f0510");
	vb_arch_cpu(root, &c);
	cr_assert(strstr(c.vendor, "QEMU"), "%s", c.vendor);
	cr_assert_str_eq(c.model_name, "", "no name for a part that is not Arm's");
	cr_assert_eq(c.model, 0x51);
}

Test(arch, arm64_without_midr_is_unknown)
{
	struct vb_arch_cpu c;
	char sig[13];

	vb_arch_cpu("/nonexistent", &c);
	cr_assert_str_eq(c.vendor, "");
	cr_assert_eq(c.model, -1);
	cr_assert_not(vb_arch_hypervisor(sig));
	cr_assert_str_eq(sig, "");
}
