/* modes.c: mode names, and KVM flavour/paging detection from /sys/module
 * (on arm64, where KVM is built in, from /dev/kvm: its paging is stage-2). */
#include "harness/modes.h"
#include "lib/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *const mode_names[] = {
	[VB_MODE_NATIVE] = "native", [VB_MODE_SHADOW] = "shadow", [VB_MODE_EPT] = "ept",
	[VB_MODE_NPT] = "npt", [VB_MODE_TDP] = "tdp", [VB_MODE_STAGE2] = "stage2",
};
_Static_assert(sizeof(mode_names) / sizeof(mode_names[0]) == VB_MODE_COUNT,
	       "a mode without a name");

const char *vb_sysfs_root(void)
{
	const char *r = getenv("VBENCH_SYSFS_ROOT");

	return r ? r : "";
}

const char *vb_host_machine(void)
{
	static struct utsname u;
	const char *m = getenv("VBENCH_MACHINE");

	if (m && m[0])
		return m;
	if (!u.machine[0] && uname(&u) < 0)
		return "";
	return u.machine;
}

int vb_mode_parse(const char *s, enum vb_mode *out)
{
	for (int i = 0; i < VB_MODE_COUNT; i++)
		if (!strcasecmp(s, mode_names[i])) {
			*out = (enum vb_mode)i;
			return 0;
		}
	return -1;
}

const char *vb_mode_name(enum vb_mode m)
{
	return (unsigned)m < VB_MODE_COUNT ? mode_names[m] : "?";
}

const char *vb_kvm_flavour_name(enum vb_kvm_flavour f)
{
	switch (f) {
	case VB_KVM_INTEL: return "kvm_intel";
	case VB_KVM_AMD: return "kvm_amd";
	case VB_KVM_PVM: return "pvm";
	case VB_KVM_ARM: return "kvm_arm";
	default: return "none";
	}
}

int vb_mode_list_parse(const char *s, enum vb_mode *out, int max, char *err, size_t errlen)
{
	char word[32];
	int n = 0;

	for (const char *p = s;;) {
		size_t len = strcspn(p, ",");

		if (len == 0 || len >= sizeof(word))
			return vb_errf(err, errlen,
				       "bad mode list '%s': expected e.g. native,shadow,ept", s);
		memcpy(word, p, len);
		word[len] = '\0';
		if (n >= max)
			return vb_errf(err, errlen, "too many modes in '%s'", s);
		if (vb_mode_parse(word, &out[n]) < 0)
			return vb_errf(
				err, errlen,
				"unknown mode '%s': use native, shadow, ept, npt, tdp or stage2",
				word);
		for (int i = 0; i < n; i++)
			if (out[i] == out[n])
				return vb_errf(err, errlen, "mode '%s' given twice", word);
		n++;
		if (!p[len])
			return n;
		p += len + 1;
	}
}

/* First line of <root><path> into buf without the newline; "" when absent. */
static void read_param(const char *root, const char *path, char *buf, size_t len)
{
	char full[512];
	FILE *f;

	buf[0] = '\0';
	snprintf(full, sizeof(full), "%s%s", root, path);
	f = fopen(full, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static bool exists(const char *root, const char *path)
{
	char full[512];
	struct stat st;

	snprintf(full, sizeof(full), "%s%s", root, path);
	return stat(full, &st) == 0;
}

static bool is_yes(const char *v) { return v[0] == 'Y' || v[0] == 'y' || v[0] == '1'; }

/* KVM/arm64 is built in (CONFIG_KVM=y): /sys/module/kvm holds only its
 * generic parameters, and there is no vendor module and no paging parameter:
 * stage-2 translation is always on. /dev/kvm is missing when the kernel was
 * not entered at EL2 ("kvm [1]: HYP mode not available"). */
static void detect_arm(const char *root, struct vb_kvm_state *out)
{
	if (!out->dev_kvm && !exists(root, "/sys/module/kvm")) {
		snprintf(out->reason, sizeof(out->reason),
			 "KVM is not in this arm64 kernel (no /sys/module/kvm, no /dev/kvm): "
			 "use a kernel built with CONFIG_KVM");
		return;
	}
	out->flavour = VB_KVM_ARM;
	out->paging = VB_MODE_STAGE2;
	if (!out->dev_kvm)
		snprintf(
			out->reason, sizeof(out->reason),
			"/dev/kvm is missing: this arm64 kernel was not entered at EL2 (dmesg says "
			"'HYP mode not available'); boot it at EL2 (QEMU: -M "
			"virt,virtualization=on)");
}

int vb_kvm_detect(const char *root, struct vb_kvm_state *out)
{
	memset(out, 0, sizeof(*out));
	out->paging = VB_MODE_NATIVE;
	if (!root)
		root = vb_sysfs_root();
	out->dev_kvm = exists(root, "/dev/kvm");
	out->arm64 = !strcmp(vb_host_machine(), "aarch64") || !strcmp(vb_host_machine(), "arm64");
	if (out->arm64) {
		detect_arm(root, out);
		return 0;
	}
	read_param(root, "/sys/module/kvm/parameters/tdp_mmu", out->tdp_mmu, sizeof(out->tdp_mmu));
	read_param(root, "/sys/module/kvm/parameters/nx_huge_pages", out->nx_huge_pages,
		   sizeof(out->nx_huge_pages));
	if (exists(root, "/sys/module/kvm_intel")) {
		out->flavour = VB_KVM_INTEL;
		read_param(root, "/sys/module/kvm_intel/parameters/ept", out->ept,
			   sizeof(out->ept));
		out->paging = is_yes(out->ept) ? VB_MODE_EPT : VB_MODE_SHADOW;
	} else if (exists(root, "/sys/module/kvm_amd")) {
		out->flavour = VB_KVM_AMD;
		read_param(root, "/sys/module/kvm_amd/parameters/npt", out->npt, sizeof(out->npt));
		out->paging = is_yes(out->npt) ? VB_MODE_NPT : VB_MODE_SHADOW;
	} else if (exists(root, "/sys/module/kvm_pvm")) {
		/* PVM runs guests without hardware virtualization: shadow paging only. */
		out->flavour = VB_KVM_PVM;
		out->paging = VB_MODE_SHADOW;
	} else if (exists(root, "/sys/module/kvm")) {
		snprintf(out->reason, sizeof(out->reason),
			 "kvm is loaded but no vendor module (kvm_intel, kvm_amd, kvm_pvm): load "
			 "one, e.g. modprobe kvm_intel");
	} else {
		snprintf(out->reason, sizeof(out->reason),
			 "KVM is not loaded on this host: modprobe kvm_intel or kvm_amd (needs "
			 "VMX/SVM)");
	}
	if (out->flavour != VB_KVM_NONE && !out->dev_kvm)
		snprintf(out->reason, sizeof(out->reason),
			 "/dev/kvm is missing although %s is loaded",
			 vb_kvm_flavour_name(out->flavour));
	return 0;
}

/* On arm64: stage2 (and tdp, its other name) when /dev/kvm is there; x86's
 * modes never. */
static bool arm_available(const struct vb_kvm_state *st, enum vb_mode m, char *reason, size_t len)
{
	if (m == VB_MODE_SHADOW) {
		snprintf(reason, len,
			 "KVM/arm64 has no shadow paging (stage-2 translation is always on): "
			 "compare native against stage2");
		return false;
	}
	if (m == VB_MODE_EPT || m == VB_MODE_NPT) {
		snprintf(reason, len,
			 "%s is x86's (%s); this host is arm64, whose SLAT is stage-2: "
			 "use stage2 or tdp",
			 vb_mode_name(m), m == VB_MODE_EPT ? "Intel VT-x" : "AMD-V");
		return false;
	}
	if (st->flavour == VB_KVM_NONE || !st->dev_kvm) {
		snprintf(reason, len, "%s",
			 st->reason[0] ? st->reason : "no usable /dev/kvm on this host");
		return false;
	}
	return true;
}

bool vb_mode_available(const struct vb_kvm_state *st, enum vb_mode m, char *reason, size_t len)
{
	const char *flav = vb_kvm_flavour_name(st->flavour);

	if (m == VB_MODE_NATIVE)
		return true;
	if (st->arm64)
		return arm_available(st, m, reason, len);
	if (m == VB_MODE_STAGE2) {
		snprintf(reason, len, "stage2 is arm64's SLAT (KVM/arm64); this host is %s: "
			 "use tdp, ept or npt", vb_host_machine());
		return false;
	}
	if (st->flavour == VB_KVM_NONE || !st->dev_kvm) {
		const char *why = st->reason[0] ? st->reason : "no usable /dev/kvm on this host";

		/* A /dev/kvm would not help PVM to a SLAT mode: say that too. */
		if (st->flavour == VB_KVM_PVM && m != VB_MODE_SHADOW)
			snprintf(reason, len,
				 "%s; and PVM has shadow paging only: %s needs kvm_intel or "
				 "kvm_amd on hardware with VMX/SVM",
				 why, vb_mode_name(m));
		else
			snprintf(reason, len, "%s", why);
		return false;
	}
	if (m == st->paging ||
	    (m == VB_MODE_TDP && (st->paging == VB_MODE_EPT || st->paging == VB_MODE_NPT)))
		return true;
	if (st->flavour == VB_KVM_PVM) {
		snprintf(reason, len,
			 "KVM here is PVM, which has shadow paging only: %s needs kvm_intel or "
			 "kvm_amd on hardware with VMX/SVM",
			 vb_mode_name(m));
		return false;
	}
	if (m == VB_MODE_EPT && st->flavour == VB_KVM_AMD) {
		snprintf(reason, len, "this host is AMD (kvm_amd): ept is Intel's; use npt or tdp");
		return false;
	}
	if (m == VB_MODE_NPT && st->flavour == VB_KVM_INTEL) {
		snprintf(reason, len,
			 "this host is Intel (kvm_intel): npt is AMD's; use ept or tdp");
		return false;
	}
	if (m == VB_MODE_SHADOW)
		snprintf(reason, len,
			 "%s is in %s mode: reload it with %s=0, or add --switch-mode (root, no VM "
			 "running)",
			 flav, vb_mode_name(st->paging),
			 st->flavour == VB_KVM_INTEL ? "ept" : "npt");
	else
		snprintf(reason, len,
			 "%s is in shadow mode (%s=%s): reload it with %s=1, or add --switch-mode "
			 "(root, no VM running)",
			 flav, st->flavour == VB_KVM_INTEL ? "ept" : "npt",
			 st->flavour == VB_KVM_INTEL ? st->ept : st->npt,
			 st->flavour == VB_KVM_INTEL ? "ept" : "npt");
	return false;
}

bool vb_mode_reachable(const struct vb_kvm_state *st, enum vb_mode m, bool switch_mode,
		       char *reason, size_t len)
{
	bool slat_vendor = st->flavour == VB_KVM_INTEL || st->flavour == VB_KVM_AMD;

	if (vb_mode_available(st, m, reason, len))
		return true;
	/* What --switch-mode can reach: the other paging mode of the same vendor
	 * module. The reason from vb_mode_available stands for everything else. */
	return switch_mode && slat_vendor && st->dev_kvm &&
	       !(m == VB_MODE_EPT && st->flavour == VB_KVM_AMD) &&
	       !(m == VB_MODE_NPT && st->flavour == VB_KVM_INTEL);
}

/* The names KVM gives its instant and peak statistics (kvm_host.h,
 * arch/x86/kvm/x86.c), which are levels, not counts. */
bool vb_kvm_stat_is_level(const char *k)
{
	static const char *const instant[] = { "mmu_unsync", "nx_lpage_splits", "guest_mode",
					       "blocking" };

	if (!strncmp(k, "pages_", 6) || !strncmp(k, "max_", 4))
		return true;
	for (size_t i = 0; i < sizeof(instant) / sizeof(instant[0]); i++)
		if (!strcmp(k, instant[i]))
			return true;
	return false;
}
