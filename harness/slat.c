/* slat.c: the host's SLAT features (EPT/NPT and their options) from the
 * CPU flags, the vendor module's parameters and, where readable, the
 * IA32_VMX_EPT_VPID_CAP MSR and CPUID 0x8000000A; on arm64, stage 2. */
#include "harness/slat.h"
#include "lib/arch.h"
#include "lib/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HAVE_CPUID 1
#endif

#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c

/* The SVM features of the "flags" line (the kernel's X86_FEATURE_* of
 * CPUID 0x8000000A, as cpuinfo names them). */
static const char *const svm_flags[] = {
	"npt",           "lbrv",        "svm_lock",    "nrip_save",
	"tsc_scale",     "vmcb_clean",  "flushbyasid", "decodeassists",
	"pausefilter",   "pfthreshold", "avic",        "v_vmsave_vmload",
	"vgif",          "x2avic",      "v_spec_ctrl", "vnmi",
	"svme_addr_chk",
};

static const char *const intel_params[] = {
	"ept",          "eptad", "vpid",   "enable_unrestricted_guest", "flexpriority",
	"enable_apicv", "pml",   "nested", "enable_shadow_vmcs",
};
static const char *const amd_params[] = {
	"npt", "nested", "nrips", "avic", "vgif", "vls", "lbrv", "pause_filter_count",
};
static const char *const kvm_params[] = { "tdp_mmu", "nx_huge_pages", "eager_page_split" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The value of "key : value" in cpuinfo, the first CPU's. */
static bool cpuinfo(const char *key, char *out, size_t len)
{
	return vb_text_field(getenv("VBENCH_CPUINFO"), key, out, len);
}

static json_t *words(const char *list)
{
	json_t *a = json_array();
	char *dup = strdup(list), *save = NULL;

	for (char *w = dup ? strtok_r(dup, " ", &save) : NULL; w; w = strtok_r(NULL, " ", &save))
		json_array_append_new(a, json_string(w));
	free(dup);
	return a;
}

static void params(json_t *into, const char *module, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char path[512], buf[64] = "";
		FILE *f;

		snprintf(path, sizeof(path), "%s/sys/module/%s/parameters/%s", vb_sysfs_root(),
		         module, names[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			buf[strcspn(buf, "\n")] = '\0';
			json_object_set_new(into, names[i], json_string(buf));
		}
		fclose(f);
	}
}

/* IA32_VMX_EPT_VPID_CAP (SDM Vol. 3, A.10): bit 7 a 5-level walk, 16 2M and
 * 17 1G pages, 21 accessed/dirty flags. */
static json_t *ept_cap(void)
{
	char path[512];
	uint64_t v;
	int fd, e;

	snprintf(path, sizeof(path), "%s/dev/cpu/0/msr", vb_sysfs_root());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, &v, sizeof(v), MSR_IA32_VMX_EPT_VPID_CAP) != sizeof(v)) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return json_pack("{s:s}", "why",
		                 fd < 0 && e == ENOENT ? "no /dev/cpu/0/msr: modprobe msr (root)"
		                                       : strerror(e));
	}
	close(fd);
	snprintf(path, sizeof(path), "0x%llx", (unsigned long long)v);
	return json_pack("{s:s,s:b,s:b,s:b,s:b}", "value", path, "ept_2m", (int)(v >> 16 & 1),
	                 "ept_1gb", (int)(v >> 17 & 1), "ept_ad", (int)(v >> 21 & 1), "ept_5level",
	                 (int)(v >> 7 & 1));
}

/* GMET (guest mode execute trap): CPUID Fn8000_000A EDX bit 17. */
static json_t *gmet(bool svm)
{
#ifdef HAVE_CPUID
	unsigned a, b, c, d;

	if (svm && !getenv("VBENCH_CPUINFO") && __get_cpuid(0x8000000a, &a, &b, &c, &d))
		return json_boolean(d >> 17 & 1);
#endif
	(void)svm;
	return json_null();
}

static void flags_of(json_t *slat, bool *vmx, bool *svm, char *list, size_t len)
{
	char flags[8192] = "";
	json_t *a;

	*vmx = cpuinfo("vmx flags", list, len);
	*svm = !*vmx && cpuinfo("flags", flags, sizeof(flags)) && vb_word_in(flags, "svm");
	if (*svm) {
		list[0] = '\0';
		for (size_t i = 0; i < N(svm_flags); i++)
			if (vb_word_in(flags, svm_flags[i]))
				snprintf(list + strlen(list), len - strlen(list), "%s%s",
				         list[0] ? " " : "", svm_flags[i]);
	}
	a = *vmx || *svm ? words(list) : json_null();
	json_object_set_new(slat, "isa",
	                    *vmx   ? json_string("vmx")
	                    : *svm ? json_string("svm")
	                           : json_null());
	json_object_set_new(slat, "flags", a);
	if (!*vmx && !*svm)
		json_object_set_new(
		    slat, "why",
		    json_string(
			"this CPU shows no VMX or SVM (no \"vmx flags\" line, no svm flag): "
			"no hardware virtualization here, so no EPT or NPT"));
}

/* arm64 has no flag for it: stage 2 is part of the virtualization
 * extensions (EL2), and KVM/arm64 runs every guest on it. */
static void arm64_stage2(json_t *slat, const struct vb_kvm_state *st)
{
	if (st->flavour == VB_KVM_ARM) {
		json_object_set_new(slat, "isa", json_string("arm64"));
		json_object_set_new(slat, "flags", json_pack("[s]", "stage2"));
		json_object_del(slat, "why");
	} else if (!strcmp(vb_arch_name(), "arm64")) {
		json_object_set_new(slat, "why",
		                    json_string("no KVM/arm64 here (the kernel did not start at "
		                                "EL2, or was built without KVM): no stage 2 for "
		                                "guests"));
	}
}

json_t *vb_slat_capture(const struct vb_kvm_state *st)
{
	json_t *slat = json_object(), *mod = json_object(), *kp = json_object(), *cap;
	char list[4096] = "";
	bool vmx, svm;

	flags_of(slat, &vmx, &svm, list, sizeof(list));
	if (!vmx && !svm)
		arm64_stage2(slat, st);
	if (st->flavour == VB_KVM_INTEL)
		params(mod, "kvm_intel", intel_params, N(intel_params));
	else if (st->flavour == VB_KVM_AMD)
		params(mod, "kvm_amd", amd_params, N(amd_params));
	json_object_set_new(slat, "module",
	                    json_pack("{s:o,s:o}", "name",
	                              st->flavour == VB_KVM_NONE
	                                  ? json_null()
	                                  : json_string(vb_kvm_flavour_name(st->flavour)),
	                              "params", mod));
	params(kp, "kvm", kvm_params, N(kvm_params));
	json_object_set_new(slat, "kvm_params", kp);
	cap = vmx ? ept_cap() : json_null();
	json_object_set_new(slat, "ept_vpid_cap", cap);
	json_object_set_new(slat, "gmet", gmet(svm));
	/* The one the planner asks: from the MSR when read, else the flags. */
	if (vmx && json_object_get(cap, "ept_1gb"))
		json_object_set_new(slat, "ept_1gb", json_incref(json_object_get(cap, "ept_1gb")));
	else
		json_object_set_new(slat, "ept_1gb",
		                    vmx ? json_boolean(vb_word_in(list, "ept_1gb")) : json_null());
	return slat;
}

bool vb_slat_point_ok(const struct vb_point *pt, const struct vb_kvm_state *st, char *why,
                      size_t len)
{
	bool ept = pt->mode == VB_MODE_EPT || pt->mode == VB_MODE_TDP;
	json_t *slat;
	bool ok = true;

	/* No host to ask (the plan's counting pass): as usable() says, it can. */
	if (!st || !ept || pt->pages.host != VB_PS_1G || st->flavour != VB_KVM_INTEL)
		return true;
	slat = vb_slat_capture(st);
	if (json_is_false(json_object_get(slat, "ept_1gb"))) {
		snprintf(why, len,
		         "a 1G host page under EPT needs ept_1gb, which this CPU lacks "
		         "(\"vmx flags\" or IA32_VMX_EPT_VPID_CAP bit 17): KVM would map it in 2M "
		         "pieces");
		ok = false;
	}
	json_decref(slat);
	return ok;
}
