/* test_slat.c: the host's SLAT features from fake trees: kvm_intel with a
 * "vmx flags" line (VBENCH_CPUINFO), its module parameters and a fake
 * /dev/cpu/0/msr, kvm_amd's SVM flags, and the planner's ept_1gb check. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/env.h"
#include "harness/slat.h"
#include "tests/unit/fixture_sysfs.h"

static char root[64];

static void put(const char *path, const char *text)
{
	fx_put(root, path, text);
}

static void cpuinfo(const char *text)
{
	char path[128];

	put("cpuinfo", text);
	snprintf(path, sizeof(path), "%s/cpuinfo", root);
	setenv("VBENCH_CPUINFO", path, 1);
}

static void intel(const char *vmx_flags)
{
	char text[1024];

	put("dev/kvm", "");
	put("sys/module/kvm_intel/parameters/ept", "Y\n");
	put("sys/module/kvm_intel/parameters/eptad", "Y\n");
	put("sys/module/kvm_intel/parameters/vpid", "Y\n");
	put("sys/module/kvm_intel/parameters/enable_unrestricted_guest", "Y\n");
	put("sys/module/kvm/parameters/tdp_mmu", "Y\n");
	put("sys/module/kvm/parameters/nx_huge_pages", "N\n");
	snprintf(text, sizeof(text),
		 "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vmx ept\n"
		 "vmx flags\t: %s\n\nprocessor\t: 1\n",
		 vmx_flags);
	cpuinfo(text);
}

/* A sparse fake MSR file with IA32_VMX_EPT_VPID_CAP at its offset. */
static void msr(uint64_t v)
{
	char path[128];
	int fd;

	put("dev/cpu/0/msr", "");
	snprintf(path, sizeof(path), "%s/dev/cpu/0/msr", root);
	fd = open(path, O_WRONLY);
	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, &v, sizeof(v), 0x48c), (ssize_t)sizeof(v));
	close(fd);
}

static void make_root(void)
{
	snprintf(root, sizeof(root), "/tmp/vbench-slat-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	setenv("VBENCH_SYSFS_ROOT", root, 1);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void drop_root(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv("VBENCH_SYSFS_ROOT");
	unsetenv("VBENCH_CPUINFO");
}

TestSuite(slat, .init = make_root, .fini = drop_root);

static json_t *capture(struct vb_kvm_state *st)
{
	vb_kvm_detect(root, st);
	return vb_slat_capture(st);
}

Test(slat, kvm_intel_flags_params_and_msr)
{
	struct vb_kvm_state st;
	json_t *s, *host;

	intel("vnmi preemption_timer invvpid ept_x_only ept_ad ept_1gb flexpriority ept vpid "
	      "unrestricted_guest ept_mode_based_exec");
	msr(1ULL << 6 | 1ULL << 16 | 1ULL << 17 | 1ULL << 21);
	s = capture(&st);
	cr_assert_eq(st.flavour, VB_KVM_INTEL);
	cr_assert_str_eq(json_string_value(json_object_get(s, "isa")), "vmx");
	cr_assert_eq(json_array_size(json_object_get(s, "flags")), 11);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(s, "flags"), 5)),
			 "ept_1gb");
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(json_object_get(s, "module"), "params"), "eptad")),
			 "Y");
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(json_object_get(s, "module"), "params"),
				 "enable_unrestricted_guest")),
			 "Y");
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(s, "kvm_params"), "tdp_mmu")),
		"Y");
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(s, "ept_vpid_cap"), "value")),
		"0x230040");
	cr_assert(json_is_true(json_object_get(json_object_get(s, "ept_vpid_cap"), "ept_ad")));
	cr_assert(json_is_false(json_object_get(json_object_get(s, "ept_vpid_cap"), "ept_5level")));
	cr_assert(json_is_true(json_object_get(s, "ept_1gb")));
	json_decref(s);
	/* In the host record, and the fake cpuinfo is a test setting. */
	host = vb_env_capture();
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(host, "slat"), "isa")),
			 "vmx");
	cr_assert_not_null(
		json_object_get(json_object_get(host, "test_settings"), "VBENCH_CPUINFO"));
	json_decref(host);
}

Test(slat, no_msr_says_why_and_flags_decide)
{
	struct vb_kvm_state st;
	json_t *s;

	intel("vnmi ept vpid ept_ad");
	s = capture(&st);
	cr_assert_not_null(strstr(
		json_string_value(json_object_get(json_object_get(s, "ept_vpid_cap"), "why")),
		"modprobe msr"));
	cr_assert(json_is_false(json_object_get(s, "ept_1gb")));
	json_decref(s);
}

Test(slat, planner_skips_1g_host_pages_under_ept_without_ept_1gb)
{
	struct vb_kvm_state st;
	struct vb_point pt = { .bench = "ptrchase", .mode = VB_MODE_EPT,
			       .pages = { .guest = VB_PS_4K, .host = VB_PS_1G } };
	char why[512] = "";

	intel("vnmi ept vpid ept_ad");
	vb_kvm_detect(root, &st);
	cr_assert_not(vb_slat_point_ok(&pt, &st, why, sizeof(why)));
	cr_assert_not_null(strstr(why, "needs ept_1gb"), "%s", why);
	pt.pages.host = VB_PS_2M;
	cr_assert(vb_slat_point_ok(&pt, &st, why, sizeof(why)));
	pt.pages.host = VB_PS_1G;
	msr(1ULL << 17);	/* the MSR outranks the flags */
	cr_assert(vb_slat_point_ok(&pt, &st, why, sizeof(why)));
}

Test(slat, svm_flags_from_the_flags_line)
{
	struct vb_kvm_state st;
	json_t *s;

	put("dev/kvm", "");
	put("sys/module/kvm_amd/parameters/npt", "1\n");
	put("sys/module/kvm_amd/parameters/avic", "0\n");
	cpuinfo("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu svm npt lbrv nrip_save "
		"flushbyasid decodeassists vgif vnmi sse\n");
	s = capture(&st);
	cr_assert_eq(st.flavour, VB_KVM_AMD);
	cr_assert_str_eq(json_string_value(json_object_get(s, "isa")), "svm");
	cr_assert_eq(json_array_size(json_object_get(s, "flags")), 7);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(json_object_get(s, "module"), "params"), "npt")),
			 "1");
	cr_assert(json_is_null(json_object_get(s, "ept_1gb")));
	cr_assert(json_is_null(json_object_get(s, "ept_vpid_cap")));
	json_decref(s);
}

/* KVM/arm64: no flag to read, stage 2 is what it runs every guest on; not
 * "no hardware virtualization", which an x86-worded note said there. */
Test(slat, kvm_arm_is_stage2)
{
	struct vb_kvm_state st = { .flavour = VB_KVM_ARM };
	json_t *s;

	cpuinfo("processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\n"
		"CPU implementer\t: 0x41\nCPU part\t: 0xd0c\n");
	s = vb_slat_capture(&st);
	cr_assert_str_eq(json_string_value(json_object_get(s, "isa")), "arm64");
	cr_assert_eq(json_array_size(json_object_get(s, "flags")), 1);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(s, "flags"), 0)),
			 "stage2");
	cr_assert_null(json_object_get(s, "why"));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(s, "module"), "name")),
			 "kvm_arm");
	json_decref(s);
}
