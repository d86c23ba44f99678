/* test_modes.c: KVM flavour and paging detection (harness/modes.c) on fake
 * sysfs trees: kvm_intel ept=Y/N, kvm_amd npt=Y/N, pvm, no KVM, and KVM/arm64. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/modes.h"
#include "harness/modeswitch.h"
#include "harness/kmod.h"
#include "tests/unit/fixture_sysfs.h"

static char root[64];
static char reason[512];

static void put(const char *path, const char *content)
{
	fx_put(root, path, content);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/vbench-modes.XXXXXX");
	cr_assert_not_null(mkdtemp(root));
}

static void teardown(void)
{
	char *argv[] = { "rm", "-rf", root, NULL };
	pid_t pid = fork();

	if (pid == 0) {
		execvp("rm", argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
}

TestSuite(modes, .init = setup, .fini = teardown);

static void kvm_common(void)
{
	put("/dev/kvm", "");
	put("/sys/module/kvm/parameters/tdp_mmu", "Y\n");
	put("/sys/module/kvm/parameters/nx_huge_pages", "N\n");
}

static bool avail(const struct vb_kvm_state *st, enum vb_mode m)
{
	reason[0] = '\0';
	return vb_mode_available(st, m, reason, sizeof(reason));
}

Test(modes, intel_ept_on)
{
	struct vb_kvm_state st;

	kvm_common();
	put("/sys/module/kvm_intel/parameters/ept", "Y\n");
	cr_assert_eq(vb_kvm_detect(root, &st), 0);
	cr_assert_eq(st.flavour, VB_KVM_INTEL);
	cr_assert_eq(st.paging, VB_MODE_EPT);
	cr_assert(st.dev_kvm);
	cr_assert_str_eq(st.ept, "Y");
	cr_assert_str_eq(st.tdp_mmu, "Y");
	cr_assert_str_eq(st.nx_huge_pages, "N");
	cr_assert(avail(&st, VB_MODE_EPT));
	cr_assert(avail(&st, VB_MODE_TDP));
	cr_assert(avail(&st, VB_MODE_NATIVE));
	cr_assert_not(avail(&st, VB_MODE_SHADOW));
	cr_assert(strstr(reason, "ept=0") && strstr(reason, "--switch-mode"), "%s", reason);
	cr_assert_not(avail(&st, VB_MODE_NPT));
	cr_assert(strstr(reason, "Intel"), "%s", reason);
}

Test(modes, intel_ept_off)
{
	struct vb_kvm_state st;

	kvm_common();
	put("/sys/module/kvm_intel/parameters/ept", "N\n");
	vb_kvm_detect(root, &st);
	cr_assert_eq(st.flavour, VB_KVM_INTEL);
	cr_assert_eq(st.paging, VB_MODE_SHADOW);
	cr_assert(avail(&st, VB_MODE_SHADOW));
	cr_assert_not(avail(&st, VB_MODE_EPT));
	cr_assert(strstr(reason, "ept=N") && strstr(reason, "ept=1"), "%s", reason);
	cr_assert_not(avail(&st, VB_MODE_TDP));
}

Test(modes, amd_npt_on_and_off)
{
	struct vb_kvm_state st;

	kvm_common();
	put("/sys/module/kvm_amd/parameters/npt", "1\n");
	vb_kvm_detect(root, &st);
	cr_assert_eq(st.flavour, VB_KVM_AMD);
	cr_assert_eq(st.paging, VB_MODE_NPT);
	cr_assert(avail(&st, VB_MODE_NPT));
	cr_assert(avail(&st, VB_MODE_TDP));
	cr_assert_not(avail(&st, VB_MODE_EPT));
	cr_assert(strstr(reason, "AMD"), "%s", reason);
	cr_assert_not(avail(&st, VB_MODE_SHADOW));
	cr_assert(strstr(reason, "npt=0"), "%s", reason);

	put("/sys/module/kvm_amd/parameters/npt", "N\n");
	vb_kvm_detect(root, &st);
	cr_assert_eq(st.paging, VB_MODE_SHADOW);
	cr_assert_str_eq(st.npt, "N");
	cr_assert(avail(&st, VB_MODE_SHADOW));
	cr_assert_not(avail(&st, VB_MODE_NPT));
	cr_assert(strstr(reason, "npt=1"), "%s", reason);
}

Test(modes, pvm_is_shadow_only)
{
	struct vb_kvm_state st;

	kvm_common();
	put("/sys/module/kvm_pvm", NULL);
	vb_kvm_detect(root, &st);
	cr_assert_eq(st.flavour, VB_KVM_PVM);
	cr_assert_str_eq(vb_kvm_flavour_name(st.flavour), "pvm");
	cr_assert_eq(st.paging, VB_MODE_SHADOW);
	cr_assert(avail(&st, VB_MODE_SHADOW));
	for (enum vb_mode m = VB_MODE_EPT; m <= VB_MODE_TDP; m++) {
		cr_assert_not(avail(&st, m), "%s", vb_mode_name(m));
		cr_assert(strstr(reason, "PVM"), "%s", reason);
	}
}

Test(modes, no_kvm)
{
	struct vb_kvm_state st;

	vb_kvm_detect(root, &st);
	cr_assert_eq(st.flavour, VB_KVM_NONE);
	cr_assert_eq(st.paging, VB_MODE_NATIVE);
	cr_assert_not(st.dev_kvm);
	cr_assert(avail(&st, VB_MODE_NATIVE));
	cr_assert_not(avail(&st, VB_MODE_SHADOW));
	cr_assert(strstr(reason, "not loaded"), "%s", reason);

	/* kvm without a vendor module */
	put("/sys/module/kvm/parameters/tdp_mmu", "Y\n");
	vb_kvm_detect(root, &st);
	cr_assert_eq(st.flavour, VB_KVM_NONE);
	cr_assert_not(avail(&st, VB_MODE_EPT));
	cr_assert(strstr(reason, "no vendor module"), "%s", reason);
}

Test(modes, module_without_dev_kvm)
{
	struct vb_kvm_state st;

	put("/sys/module/kvm_intel/parameters/ept", "Y\n");
	vb_kvm_detect(root, &st);
	cr_assert_eq(st.flavour, VB_KVM_INTEL);
	cr_assert_not(st.dev_kvm);
	cr_assert_not(avail(&st, VB_MODE_EPT));
	cr_assert(strstr(reason, "/dev/kvm is missing"), "%s", reason);
}

Test(modes, pvm_without_dev_kvm_names_both_limits)
{
	struct vb_kvm_state st;

	/* As on a PVM guest whose kvm_pvm would not bind: no /dev/kvm. */
	put("/sys/module/kvm/parameters/tdp_mmu", "Y\n");
	put("/sys/module/kvm_pvm", NULL);
	vb_kvm_detect(root, &st);
	cr_assert_eq(st.flavour, VB_KVM_PVM);
	cr_assert_not(st.dev_kvm);
	cr_assert_not(avail(&st, VB_MODE_SHADOW));
	cr_assert(strstr(reason, "/dev/kvm is missing") && !strstr(reason, "shadow paging only"),
		  "%s", reason);
	cr_assert_not(avail(&st, VB_MODE_EPT));
	cr_assert(strstr(reason, "/dev/kvm is missing") &&
			  strstr(reason, "PVM has shadow paging only: ept needs"),
		  "%s", reason);
}

Test(modes, root_from_environment)
{
	struct vb_kvm_state st;

	kvm_common();
	put("/sys/module/kvm_amd/parameters/npt", "Y\n");
	setenv("VBENCH_SYSFS_ROOT", root, 1);
	cr_assert_str_eq(vb_sysfs_root(), root);
	vb_kvm_detect(NULL, &st);
	unsetenv("VBENCH_SYSFS_ROOT");
	cr_assert_eq(st.flavour, VB_KVM_AMD);
	cr_assert_str_eq(vb_sysfs_root(), "");
}

Test(modes, names_and_lists)
{
	enum vb_mode m[8];
	char err[256];

	cr_assert_eq(vb_mode_parse("EPT", &m[0]), 0);
	cr_assert_eq(m[0], VB_MODE_EPT);
	cr_assert_eq(vb_mode_parse("vmx", &m[0]), -1);
	cr_assert_eq(vb_mode_list_parse("native,shadow,tdp", m, 8, err, sizeof(err)), 3);
	cr_assert_eq(m[2], VB_MODE_TDP);
	cr_assert_eq(vb_mode_list_parse("shadow,shadow", m, 8, err, sizeof(err)), -1);
	cr_assert(strstr(err, "twice"), "%s", err);
	cr_assert_eq(vb_mode_list_parse("shadow,,ept", m, 8, err, sizeof(err)), -1);
	cr_assert_eq(vb_mode_list_parse("shadow,bogus", m, 8, err, sizeof(err)), -1);
	cr_assert(strstr(err, "bogus"), "%s", err);
	cr_assert_str_eq(vb_mode_name(VB_MODE_NPT), "npt");
	cr_assert_str_eq(vb_mode_name(VB_MODE_COUNT), "?");
}

Test(modes, module_users_from_refcnt)
{
	put("/sys/module/kvm_amd/refcnt", "2\n");
	cr_assert_eq(vb_kvm_module_users(root, VB_KVM_AMD), 2);
	cr_assert_eq(vb_kvm_module_users(root, VB_KVM_INTEL), -1, "absent: unknown");
}

Test(modes, switch_refused_where_impossible)
{
	struct vb_kvm_state st = { .flavour = VB_KVM_PVM,
				   .paging = VB_MODE_SHADOW,
				   .dev_kvm = true };

	cr_assert_eq(vb_modeswitch_to(&st, VB_MODE_EPT, reason, sizeof(reason)), -1);
	cr_assert(strstr(reason, "pvm"), "%s", reason);
	st.flavour = VB_KVM_AMD;
	cr_assert_eq(vb_modeswitch_to(&st, VB_MODE_EPT, reason, sizeof(reason)), -1);
	cr_assert(strstr(reason, "cannot give"), "%s", reason);
	/* Nothing switched: nothing to restore. */
	cr_assert_eq(vb_modeswitch_restore(reason, sizeof(reason)), 0);
}

/* KVM/arm64 (uname's machine faked by VBENCH_MACHINE): built in, so only
 * /sys/module/kvm's generic parameters and /dev/kvm; stage-2 always on. */
static void arm64_tree(bool dev_kvm)
{
	setenv("VBENCH_MACHINE", "aarch64", 1);
	put("/sys/module/kvm/parameters/halt_poll_ns", "0\n");
	if (dev_kvm)
		put("/dev/kvm", "");
}

Test(modes, arm64_is_stage2_only)
{
	struct vb_kvm_state st;

	arm64_tree(true);
	vb_kvm_detect(root, &st);
	cr_assert(st.arm64);
	cr_assert_eq(st.flavour, VB_KVM_ARM);
	cr_assert_str_eq(vb_kvm_flavour_name(st.flavour), "kvm_arm");
	cr_assert_eq(st.paging, VB_MODE_STAGE2);
	cr_assert(avail(&st, VB_MODE_STAGE2));
	cr_assert(avail(&st, VB_MODE_TDP), "tdp is stage2's other name");
	cr_assert(avail(&st, VB_MODE_NATIVE));
	cr_assert_not(avail(&st, VB_MODE_SHADOW));
	cr_assert(strstr(reason, "no shadow paging") && strstr(reason, "stage2"), "%s", reason);
	cr_assert_not(avail(&st, VB_MODE_EPT));
	cr_assert(strstr(reason, "x86") && strstr(reason, "use stage2"), "%s", reason);
	cr_assert_not(avail(&st, VB_MODE_NPT));
	/* --switch-mode reaches nothing more: there is no module to reload. */
	cr_assert_not(vb_mode_reachable(&st, VB_MODE_SHADOW, true, reason, sizeof(reason)));
	cr_assert_eq(vb_modeswitch_to(&st, VB_MODE_SHADOW, reason, sizeof(reason)), -1);
	cr_assert(strstr(reason, "kvm_arm"), "%s", reason);
}

Test(modes, arm64_without_el2_says_how_to_boot)
{
	struct vb_kvm_state st;

	arm64_tree(false);
	vb_kvm_detect(root, &st);
	cr_assert_eq(st.flavour, VB_KVM_ARM);
	cr_assert_not(st.dev_kvm);
	cr_assert_not(avail(&st, VB_MODE_STAGE2));
	cr_assert(strstr(reason, "EL2") && strstr(reason, "virtualization=on"), "%s", reason);
}

Test(modes, arm64_kernel_without_kvm)
{
	struct vb_kvm_state st;

	setenv("VBENCH_MACHINE", "aarch64", 1);
	vb_kvm_detect(root, &st);
	cr_assert_eq(st.flavour, VB_KVM_NONE);
	cr_assert_not(avail(&st, VB_MODE_STAGE2));
	cr_assert(strstr(reason, "CONFIG_KVM"), "%s", reason);
}

Test(modes, stage2_on_x86_names_the_x86_modes)
{
	struct vb_kvm_state st;
	enum vb_mode m[8];
	char err[256];

	setenv("VBENCH_MACHINE", "x86_64", 1);
	kvm_common();
	put("/sys/module/kvm_intel/parameters/ept", "Y\n");
	vb_kvm_detect(root, &st);
	cr_assert_not(st.arm64);
	cr_assert_not(avail(&st, VB_MODE_STAGE2));
	cr_assert(strstr(reason, "arm64") && strstr(reason, "tdp"), "%s", reason);
	cr_assert_eq(vb_mode_list_parse("native,stage2", m, 8, err, sizeof(err)), 2);
	cr_assert_eq(m[1], VB_MODE_STAGE2);
	cr_assert_str_eq(vb_mode_name(VB_MODE_STAGE2), "stage2");
}
